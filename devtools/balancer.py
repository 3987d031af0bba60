"""HAProxy (Debian's package) in front of the gateway replicas, as a Kubernetes Service or an
ingress would be: round robin over the replicas whose /healthz answers, a replica that stops
answering taken out within a second and a request it refused sent to another (up to twice). A
replica about to be stopped is drained first (``drain``), as Kubernetes takes a pod out of a
Service's endpoints before it sends SIGTERM."""
import shutil
import socket
import time
from pathlib import Path

CONFIG = """\
global
    maxconn 4096
    log stderr format short local0
    stats socket {socket} mode 600 level admin

defaults
    mode http
    log global
    option httplog
    option dontlog-normal
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    timeout check 3s
    option redispatch 1
    retries 2
    retry-on conn-failure empty-response

frontend gateways
    bind 127.0.0.1:{port}
    default_backend gateways

backend gateways
    balance roundrobin
    option httpchk GET /healthz
    # a replica is out after three failed checks in a row (a slow /healthz on a busy machine
    # is not a dead gateway); a refused connection is tried on another at once anyway
    default-server inter 500ms fall 3 rise 1
{servers}
"""


def available():
    return shutil.which("haproxy") is not None


def write_config(folder, port, backends):
    """The configuration of a balancer on ``port`` for ``backends`` ({name: port}), and the
    path of its runtime socket."""
    servers = "\n".join(f"    server {name} 127.0.0.1:{backend} check"
                        for name, backend in backends.items())
    path, runtime = Path(folder) / "haproxy.cfg", Path(folder) / "haproxy.sock"
    path.write_text(CONFIG.format(port=port, servers=servers, socket=runtime))
    return path, runtime


def _ask(runtime, command):
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(str(runtime))
        connection.sendall(command.encode() + b"\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer.decode()


def _stat(runtime, server):
    """The server's line of ``show stat`` (HAProxy's CSV), as a list of fields."""
    for line in _ask(runtime, "show stat").splitlines():
        fields = line.split(",")
        if len(fields) > 17 and fields[0] == "gateways" and fields[1] == server:
            return fields
    return None


def _sessions(runtime, server):
    fields = _stat(runtime, server)
    return int(fields[4] or 0) if fields else 0  # scur: the server's current sessions


def serving(runtime, server):
    """Whether the balancer sends requests to ``server`` (its status is UP)."""
    fields = _stat(runtime, server)
    return bool(fields) and fields[17] == "UP"


def drain(runtime, server, seconds=10):
    """Sends no new request to ``server`` and waits (at most ``seconds``) until it has
    answered those it has."""
    _ask(runtime, f"set server gateways/{server} state maint")
    deadline = time.monotonic() + seconds
    while _sessions(runtime, server) and time.monotonic() < deadline:
        time.sleep(0.05)


def restore(runtime, server):
    """Sends requests to ``server`` again (once its health check passes)."""
    _ask(runtime, f"set server gateways/{server} state ready")


def command(config_path):
    """HAProxy in the foreground (``-db``), so that it is a child of whoever starts it."""
    return [shutil.which("haproxy") or "haproxy", "-db", "-f", str(config_path)]
