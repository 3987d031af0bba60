"""Makes sure RabbitMQ answers, and makes throwaway vhosts for test runs.

``python -m devtools.broker`` exits 0 when the broker at AMQP_URI answers (starting a locally
installed, stopped RabbitMQ first), and 1 with instructions otherwise.
"""
import json
import shutil
import socket
import subprocess
import sys
from urllib.parse import urlparse

from devtools.waiting import wait_until
from plumbing.config import amqp_uri


def broker_address(uri=None):
    parsed = urlparse(uri or amqp_uri())
    return parsed.hostname or "127.0.0.1", parsed.port or 5672


def answers(address, timeout=1.0):
    try:
        with socket.create_connection(address, timeout=timeout):
            return True
    except OSError:
        return False


def wait_until_answers(address, seconds):
    return wait_until(lambda: answers(address), seconds, interval=0.5)


def ensure_broker():
    address = broker_address()
    if answers(address):
        return True
    local = address[0] in ("127.0.0.1", "localhost", "::1")
    if local and shutil.which("rabbitmq-server"):
        print("RabbitMQ is installed but not answering: starting it (rabbitmq-server -detached)")
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        if wait_until_answers(address, 60):
            return True
    print(f"RabbitMQ does not answer at {address[0]}:{address[1]}.\n"
          "Install it with `sudo apt-get install rabbitmq-server` (Debian/Ubuntu) and start it\n"
          "with `sudo rabbitmq-server -detached`, or point AMQP_URI at a running broker.",
          file=sys.stderr)
    return False


def rabbitmqctl(*args, input=None):
    return subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                          timeout=60, check=False, input=input)


def create_vhost(name, user="guest", definitions=None):
    """A fresh vhost for isolated tests, ``user`` allowed everything in it, holding
    ``definitions`` (``rabbitmqctl import_definitions``'s format) if given: all in one call of
    rabbitmqctl, which costs a second or more. None when rabbitmqctl cannot make one."""
    if not shutil.which("rabbitmqctl"):
        return None
    made = {"vhosts": [{"name": name}],
            "permissions": [{"user": user, "vhost": name, "configure": ".*", "write": ".*",
                             "read": ".*"}], **(definitions or {})}
    if rabbitmqctl("import_definitions", "--format", "json",
                   input=json.dumps(made)).returncode != 0:
        return None
    return name


def delete_vhost(name):
    if shutil.which("rabbitmqctl"):
        rabbitmqctl("delete_vhost", name)


def messages_in(vhost):
    """Messages held in the queues of ``vhost`` (ready or unacknowledged), or None."""
    listed = rabbitmqctl("list_queues", "-p", vhost, "messages", "--no-table-headers")
    if listed.returncode != 0:
        return None
    return sum(int(n) for n in listed.stdout.split() if n.isdigit())


def queue_types(vhost):
    """``{queue name: type}`` of the queues of ``vhost`` (classic, quorum), or None."""
    listed = rabbitmqctl("list_queues", "-p", vhost, "name", "type", "--no-table-headers")
    if listed.returncode != 0:
        return None
    return dict(line.split("\t")[:2] for line in listed.stdout.splitlines() if "\t" in line)


def vhost_of(uri):
    return urlparse(uri).path.lstrip("/") or "/"


def with_vhost(uri, vhost):
    parsed = urlparse(uri)
    return parsed._replace(path="/" + vhost).geturl()


if __name__ == "__main__":
    sys.exit(0 if ensure_broker() else 1)
