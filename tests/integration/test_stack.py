"""The system as processes (devtools/stack.py) with replicas: two gateways behind the balancer
answer through one address and keep answering when one is killed, and nothing the stack started
outlives the process that started it when that one is killed with -9."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
import requests

from devtools import balancer
from devtools.processes import stop_with_parent
from devtools.stack import ROOT
from devtools.waiting import poll

STARTER = textwrap.dedent("""
    import json, sys, time
    from devtools.processes import free_port
    from devtools.stack import PROCESSES, Stack
    stack = Stack(sys.argv[1], env=json.loads(sys.argv[2]), store_port=free_port(),
                  ports={name: free_port() for name in PROCESSES}, replicas={"gateway": 2})
    stack.start()
    ready = stack.wait_ready(90)
    print(json.dumps({"ready": ready, "url": stack.gateway_url,
                      "pids": {n: p.pid for n, p in stack.processes.items()}}), flush=True)
    time.sleep(600)
""")


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"  # a zombie has stopped
    except FileNotFoundError:
        return False


@pytest.fixture
def started_stack(system_env, tmp_path):
    if not balancer.available():
        pytest.skip("HAProxy is not installed (make tools installs it)")
    env = {**system_env, "MONGO_URI": "", "MONGO_DB_PREFIX": f"{system_env['MONGO_DB_PREFIX']}s_"}
    starter = subprocess.Popen([sys.executable, "-c", STARTER, str(tmp_path), json.dumps(env)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)},
                               preexec_fn=stop_with_parent)
    try:
        yield starter, json.loads(starter.stdout.readline())
    finally:
        if starter.poll() is None:
            starter.kill()
        starter.wait()


def test_gateway_replicas_answer_behind_the_balancer_and_nothing_outlives_the_starter(
        started_stack, tmp_path):
    starter, stack = started_stack
    assert stack["ready"], "the stack did not become ready"
    pids = stack["pids"]
    assert {"balancer", "gateway-1", "gateway-2", "store"} <= set(pids)
    # /healthz: the gateway itself, whatever the services' load (what /readyz asks)
    assert all(requests.get(f"{stack['url']}/healthz", timeout=5).status_code == 200
               for _ in range(4))
    os.kill(pids["gateway-1"], signal.SIGKILL)
    statuses = [requests.get(f"{stack['url']}/healthz", timeout=5).status_code
                for _ in range(6)]
    assert statuses == [200] * 6, f"the balancer sent a request to the killed gateway: {statuses}"

    starter.kill()  # as a closed terminal or a killed `make run` would
    starter.wait()
    left = poll(lambda: [name for name, pid in pids.items() if running(pid)], lambda left_:
                not left_, seconds=60)
    assert left == [], {name: log_tail(tmp_path, name) for name in left}


def log_tail(folder, name, lines=30):
    """The end of a process's log (devtools/stack.py writes logs/<name>.log), to say why it
    is still running."""
    log = folder / "logs" / f"{name}.log"
    return log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
