"""Starts and stops the whole system as processes: the embedded store (unless MONGO_URI
points at a MongoDB), every service and the gateway. Used by ``make run`` and by the
end-to-end tests, so both run the system the same way.

Replicas: ``REPLICAS=3`` runs three of every process, ``REPLICAS_COUPONS=2`` two coupons
processes (or ``Stack(replicas={"coupons": 2})``). Replicated processes are named
``<process>-1``, ``<process>-2``...; gateway replicas stand behind HAProxy (``balancer``),
which listens on the gateway's port. Every process stops when the one that started it dies."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests

from devtools import balancer
from devtools.broker import answers
from devtools.processes import free_port, stop_with_parent
from devtools.waiting import wait_until
from plumbing.config import SERVICE_PORTS

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = {
    "registry": "services.registry.service:RegistryService",
    "complaints": "services.complaints.service:ComplaintsService",
    "coupons": "services.coupons.service:CouponsService",
    "notifications": "services.notifications.service:NotificationsService",
    "gateway": "gateway.service:GatewayService",
}


def replica_counts(env, replicas=None):
    """{process: how many replicas}: ``replicas``, else ``REPLICAS_<PROCESS>``, else
    ``REPLICAS``, else 1."""
    everywhere = int(env.get("REPLICAS", 1))
    return {name: int((replicas or {}).get(name) or env.get(f"REPLICAS_{name.upper()}")
                      or everywhere) for name in PROCESSES}


class Stack:
    def __init__(self, state_dir, env=None, ports=None, store_port=27117, replicas=None):
        self.state_dir = Path(state_dir)
        self.logs_dir = self.state_dir / "logs"
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **(env or {})}
        self.replicas = replica_counts(self.env, replicas)
        self.ports = dict(ports or SERVICE_PORTS)  # a replicated process's: its balancer's
        self.kinds = {}  # instance name → process name
        for name, count in self.replicas.items():
            for instance in self.instances_of(name):
                self.kinds[instance] = name
                self.ports.setdefault(instance, free_port())
        self.store_port = store_port
        # store QR codes lead to this gateway unless a public address is configured
        self.env.setdefault("PUBLIC_BASE_URL", self.gateway_url)
        self.processes = {}
        self._store = None
        if not self.env.get("MONGO_URI"):
            self.env["MONGO_URI"] = f"mongodb://127.0.0.1:{store_port}/"
            self._store = self.state_dir / "mongo"

    @property
    def gateway_url(self):
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def url_of(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def instances_of(self, name):
        """The names of ``name``'s processes: ``name`` itself when it has one replica."""
        count = self.replicas[name]
        return [name] if count == 1 else [f"{name}-{n}" for n in range(1, count + 1)]

    def start(self):
        if self._store is not None:
            self.start_store()
        for instance in self.kinds:
            self.start_process(instance)
        if self.replicas["gateway"] > 1:
            self.start_balancer()

    def start_balancer(self):
        if not balancer.available():
            raise RuntimeError("gateway replicas need HAProxy: `make tools` installs it")
        config = balancer.write_config(self.state_dir, self.ports["gateway"], {
            instance: self.ports[instance] for instance in self.instances_of("gateway")})
        self._spawn("balancer", balancer.command(config))

    def start_store(self):
        self._store.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "devtools.store_server", "--data-dir", str(self._store), "--host", "127.0.0.1",
                   "-p", str(self.store_port), "--log-file", str(self.logs_dir / "store.log"),
                   "--pid-file", str(self.state_dir / "store.pid")]
        self._spawn("store", command)
        if not wait_until(lambda: answers(("127.0.0.1", self.store_port)), 30):
            raise RuntimeError(f"the embedded store did not start; see {self.logs_dir}/store.log")

    def start_process(self, instance, extra_env=None):
        env = {**self.env, "HTTP_PORT": str(self.ports[instance]), **(extra_env or {})}
        self._spawn(instance, [sys.executable, "-m", "plumbing.runner",
                               PROCESSES[self.kinds[instance]]], env)

    def _spawn(self, name, command, env=None):
        log = open(self.logs_dir / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=stop_with_parent)
        log.close()

    def kill(self, name):
        """SIGKILL, as a crash would."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def stop(self, name, timeout=30):
        self._stop_together([name], timeout)

    def stop_all(self, timeout=30):
        """The balancer first, then services and gateways together (each finishes its work),
        then the store."""
        self._stop_together(["balancer"], timeout)
        self._stop_together([n for n in self.processes if n != "store"], timeout)
        self._stop_together(["store"], timeout)

    def _stop_together(self, names, timeout):
        stopping = [self.processes.pop(n) for n in names if n in self.processes]
        for process in stopping:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in stopping:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def wait_ready(self, seconds=60):
        """True once the gateway's /readyz answers 200."""
        return wait_until(self._ready, seconds)

    def _ready(self):
        return _ok(f"{self.gateway_url}/readyz")


def _ok(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
