"""What every process the devtools start needs: to stop when its parent dies (a closed
terminal, a killed ``make run`` or test run leaves nothing behind), and a free port."""
import ctypes
import signal
import socket

PR_SET_PDEATHSIG = 1


def stop_with_parent():
    """A ``preexec_fn``: in the child, before exec, asks the kernel for SIGTERM when the
    parent dies."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
