"""HAProxy (Debian's package) in front of the gateway replicas, as a Kubernetes Service or an
ingress would be: round robin over the replicas whose /healthz answers, a replica that stops
answering taken out within a second and a request it refused tried once on another."""
import shutil
from pathlib import Path

CONFIG = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    option redispatch
    retries 1
    retry-on conn-failure empty-response

frontend gateways
    bind 127.0.0.1:{port}
    default_backend gateways

backend gateways
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 500ms fall 2 rise 1
{servers}
"""


def available():
    return shutil.which("haproxy") is not None


def write_config(folder, port, backends):
    """The configuration of a balancer on ``port`` for ``backends`` ({name: port})."""
    servers = "\n".join(f"    server {name} 127.0.0.1:{backend} check"
                        for name, backend in backends.items())
    path = Path(folder) / "haproxy.cfg"
    path.write_text(CONFIG.format(port=port, servers=servers))
    return path


def command(config_path):
    """HAProxy in the foreground (``-db``), so that it is a child of whoever starts it."""
    return [shutil.which("haproxy") or "haproxy", "-db", "-f", str(config_path)]
