"""``make run`` (devtools/run.py) leaves nothing behind and never uses a system it did not start:
whether make is killed with -9 or the terminal is closed, every process it started stops; and
started while one of its ports is taken, it says which and stops, starting nothing."""
import os
import random
import signal
import socket
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from devtools.broker import create_vhost, delete_vhost, with_vhost
from devtools.processes import port_taken, stop_with_parent
from devtools.stack import ROOT
from devtools.waiting import poll, wait_until
from plumbing.config import SERVICE_PORTS

STORE_PORT = 27117
# what the Makefile does: make runs devtools.run as its child and waits for it
MAKE = [sys.executable, "-c", "import subprocess, sys; "
        "sys.exit(subprocess.call([sys.executable, '-m', 'devtools.run']))"]


def free_offset():
    """A RUN_PORT_OFFSET whose ports are all free, below the ephemeral range."""
    while True:
        offset = random.randrange(1000, 5000)
        if not any(port_taken(port + offset) for port in (*SERVICE_PORTS.values(), STORE_PORT)):
            return offset


@pytest.fixture
def run_env(system_env, tmp_path):
    """make run's environment, with a vhost, a store and ports of its own: make run converts
    the queues of its vhost, which must not be the running test system's."""
    offset = free_offset()
    vhost = create_vhost(f"fangxin-make-run-{uuid.uuid4().hex[:8]}")
    if vhost is None:
        pytest.skip("rabbitmqctl could not make a vhost for make run")
    env = {**os.environ, **system_env, "MONGO_URI": "", "RUN_STATE_DIR": str(tmp_path / "state"),
           "RUN_PORT_OFFSET": str(offset), "PYTHONPATH": str(ROOT),
           "AMQP_URI": with_vhost(system_env["AMQP_URI"], vhost),
           "MONGO_DB_PREFIX": f"{system_env['MONGO_DB_PREFIX']}run_"}
    yield env, offset
    delete_vhost(vhost)


def descendants(pid):
    """The pids of every process below ``pid``, from /proc."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


def ready(offset):
    try:
        url = f"http://127.0.0.1:{SERVICE_PORTS['gateway'] + offset}/readyz"
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def end_like(make, how):
    if how == "make killed":
        os.kill(make.pid, signal.SIGKILL)
    else:  # a closed terminal: SIGHUP to its foreground process group
        os.killpg(make.pid, signal.SIGHUP)
    make.wait(10)


@pytest.mark.parametrize("how", ["make killed", "terminal closed"])
def test_nothing_make_run_started_outlives_it(run_env, tmp_path, how):
    env, offset = run_env
    with open(tmp_path / "make-run.log", "wb") as log:
        make = subprocess.Popen(MAKE, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True,  # its own group, as a terminal's job
                                preexec_fn=stop_with_parent)
    started = []
    try:
        assert wait_until(lambda: ready(offset), 90), (tmp_path / "make-run.log").read_text()
        started += descendants(make.pid)
        assert len(started) >= 7, started  # devtools.run, the store, four services, gateway
        end_like(make, how)
        left = poll(lambda: [pid for pid in started if running(pid)], lambda pids: not pids,
                    seconds=60)
        assert left == [], [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in left]
        assert not port_taken(STORE_PORT + offset)  # the next make run finds its ports free
    finally:
        for pid in [make.pid, *started]:
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        make.wait()


@pytest.mark.parametrize("name, port", [("store", STORE_PORT),
                                        ("gateway", SERVICE_PORTS["gateway"])])
def test_make_run_refuses_ports_already_taken(run_env, name, port):
    env, offset = run_env
    with listening_on(port + offset):
        done = subprocess.run([sys.executable, "-m", "devtools.run"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"port {port + offset} ({name}) is taken by pid {os.getpid()}" in done.stderr
    assert "RUN_PORT_OFFSET" in done.stderr and "Stop it" in done.stderr
    assert "starting" not in done.stdout
    assert not ready(offset)


@contextmanager
def listening_on(port):
    """Someone else's server on ``port`` while the block runs."""
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen()
        yield
