"""What every process the devtools start needs: to stop when its parent dies (a closed
terminal, a killed ``make run`` or test run leaves nothing behind), a free port, and to know
whether a port it would listen on is already taken (and by whom)."""
import ctypes
import os
import signal
import socket
from pathlib import Path

PR_SET_PDEATHSIG = 1


def stop_with_parent(parent=None):
    """Asks the kernel for SIGTERM when this process's parent dies: as a ``preexec_fn`` (in the
    child, before exec; ``partial(stop_with_parent, os.getpid())`` also catches a parent that
    died before the request was made), or called by a process for itself.

    The kernel's "parent" is the *thread* that forked the child: a child started from a thread
    that ends is stopped with it. Everything here starts its children from the main thread (the
    tests' threads are eventlet's greenthreads, all on it)."""
    parent = parent or os.getppid()
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # orphaned already: the signal will never come
        os.kill(os.getpid(), signal.SIGTERM)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_taken(port, host="127.0.0.1"):
    """Whether a server could not listen on ``port`` (bound as ours are, with SO_REUSEADDR, so
    connections of a process that has stopped do not count)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def listener_of(port):
    """The command line of the process listening on ``port`` (from /proc), or None when it
    cannot be told (another user's process, or not Linux)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(f"socket:[{fields[9]}]")
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                cmdline = (fd_dir.parent / "cmdline").read_bytes().replace(b"\0", b" ")
                return f"pid {fd_dir.parent.name}: {cmdline.decode(errors='replace').strip()}"
        except OSError:
            continue
    return None
