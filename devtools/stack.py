"""Starts and stops the whole system as processes: the embedded store (unless MONGO_URI
points at a MongoDB), every service and the gateway. Used by ``make run`` and by the
end-to-end tests, so both run the system the same way.

Replicas: ``REPLICAS=3`` runs three of every process, ``REPLICAS_COUPONS=2`` two coupons
processes (or ``Stack(replicas={"coupons": 2})``). Replicated processes are named
``<process>-1``, ``<process>-2``...; gateway replicas stand behind HAProxy (``balancer``),
which listens on the gateway's port. ``BROKER_NODES=3`` (or ``Stack(broker_nodes=3)``) starts a
private three-node RabbitMQ cluster (devtools/rabbit_cluster.py) with Fangxin's definitions and
gives every process all its nodes (a kombu failover URI) instead of ``AMQP_URI``. Every process
stops when the one that started it dies."""
import os
import signal
import subprocess
import sys
import uuid
from functools import partial
from pathlib import Path

import requests

from devtools import balancer, broker_definitions
from devtools.broker import answers
from devtools.processes import free_port, listener_of, port_taken, stop_with_parent
from devtools.rabbit_cluster import RabbitCluster
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
    def __init__(self, state_dir, env=None, ports=None, store_port=27117, replicas=None,
                 broker_nodes=None):
        self.state_dir = Path(state_dir)
        self.logs_dir = self.state_dir / "logs"
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **(env or {})}
        self.replicas = replica_counts(self.env, replicas)
        self.ports = dict(ports or SERVICE_PORTS)  # a replicated process's: its balancer's
        self.kinds = {}  # instance name → process name
        for name in self.replicas:
            for instance in self.instances_of(name):
                self.kinds[instance] = name
                self.ports.setdefault(instance, free_port())
        self.store_port = store_port
        # store QR codes lead to this gateway unless a public address is configured
        self.env.setdefault("PUBLIC_BASE_URL", self.gateway_url)
        self.processes = {}
        self._balancer = None  # the runtime socket of the balancer, once it runs
        self.broker = None
        nodes = int(broker_nodes or self.env.get("BROKER_NODES") or 1)
        if nodes > 1:
            self.broker = RabbitCluster(f"fangxin-{uuid.uuid4().hex[:6]}",
                                        lambda: (free_port(), free_port()), size=nodes)
            self.env["AMQP_URI"] = self.broker.uri
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
        self.check_ports()
        if self.broker is not None:
            self.broker.start()
            broker_definitions.apply("/", self.broker.nodes[0])
        if self._store is not None:
            self.start_store()
        for instance in self.kinds:
            self.start_process(instance)
        if self.replicas["gateway"] > 1:
            self.start_balancer()

    def listening_ports(self):
        """{port: what listens there} of everything ``start`` starts."""
        ports = {self.ports[name]: name for name in (*self.kinds, "gateway")}
        if self._store is not None:
            ports[self.store_port] = "store"
        return ports

    def check_ports(self):
        """Refuses to start (PortTaken) when a port the system would listen on is taken: an
        earlier run still going, its store with its data among it, would be used instead."""
        host = self.env.get("BIND_HOST", "127.0.0.1")
        taken = {port: name for port, name in self.listening_ports().items()
                 if port_taken(port, "127.0.0.1" if name == "store" else host)}
        if taken:
            raise PortTaken(taken)

    def start_balancer(self):
        if not balancer.available():
            raise RuntimeError("gateway replicas need HAProxy: `make tools` installs it")
        config, self._balancer = balancer.write_config(
            self.state_dir, self.ports["gateway"],
            {instance: self.ports[instance] for instance in self.instances_of("gateway")})
        self._spawn("balancer", balancer.command(config))

    def start_store(self):
        self._store.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "devtools.store_server", "--data-dir", str(self._store),
                   "--host", "127.0.0.1",
                   "-p", str(self.store_port), "--log-file", str(self.logs_dir / "store.log"),
                   "--pid-file", str(self.state_dir / "store.pid")]
        self._spawn("store", command)
        if not wait_until(lambda: answers(("127.0.0.1", self.store_port)), 30):
            raise RuntimeError(f"the embedded store did not start; see {self.logs_dir}/store.log")

    def start_process(self, instance, extra_env=None):
        env = {**self.env, "HTTP_PORT": str(self.ports[instance]), **(extra_env or {})}
        self._spawn(instance, [sys.executable, "-m", "plumbing.runner",
                               PROCESSES[self.kinds[instance]]], env)
        if self._behind_balancer(instance):
            balancer.restore(self._balancer, instance)

    def wait_in_service(self, instance, seconds=30):
        """True once ``instance`` serves: its /healthz answers and, for a gateway behind the
        balancer, the balancer sends it requests again (a rollout waits for this before it
        stops the next replica, as Kubernetes waits for readiness)."""
        if not wait_until(lambda: _ok(f"{self.url_of(instance)}/healthz"), seconds):
            return False
        return not self._behind_balancer(instance) or wait_until(
            lambda: balancer.serving(self._balancer, instance), seconds)

    def _behind_balancer(self, instance):
        return self._balancer is not None and "balancer" in self.processes and \
            self.kinds.get(instance) == "gateway"

    def _spawn(self, name, command, env=None):
        with open(self.logs_dir / f"{name}.log", "ab") as log:  # the child keeps its own copy
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=env or self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=partial(stop_with_parent, os.getpid()))

    def kill(self, name):
        """SIGKILL, as a crash would."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def stop(self, name, timeout=30):
        """SIGTERM, as a rollout sends it: a gateway behind the balancer is drained first."""
        if self._behind_balancer(name):
            balancer.drain(self._balancer, name)
        self._stop_together([name], timeout)

    def stop_all(self, timeout=30):
        """The balancer first, then services and gateways together (each finishes its work),
        then the store."""
        self._stop_together(["balancer"], timeout)
        self._stop_together([n for n in self.processes if n != "store"], timeout)
        self._stop_together(["store"], timeout)
        if self.broker is not None:
            self.broker.stop()

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


class PortTaken(RuntimeError):
    def __init__(self, taken):
        self.taken = taken  # {port: the process of ours that would listen there}
        lines = [f"  port {port} ({name}) is taken"
                 + (f" by {holder}" if (holder := listener_of(port)) else "")
                 for port, name in sorted(taken.items())]
        super().__init__("\n".join([
            "The system cannot start: ports it listens on are taken (is another `make run`, "
            "or its store, still running?)", *lines,
            "Stop it first (Ctrl-C in its terminal, or kill the pid above), or run this one "
            "on other ports with RUN_PORT_OFFSET (e.g. RUN_PORT_OFFSET=1000 make run)."]))


def _ok(url):
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
