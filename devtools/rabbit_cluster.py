"""Private RabbitMQ nodes and a three-node cluster of them on this machine, for tests that take
the broker (or one of its nodes) away and for ``make run`` on the production topology.

The machine's own broker on 5672 is never touched: each node has its own name, ports, data and
log folders and no plugins; the nodes of a cluster share one Erlang cookie (their own HOME).
A node runs as a child of the process that started it (``erl`` in the foreground, told to stop
when its parent dies), so none outlives the test run or ``make run``.
"""
import os
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.broker import wait_until_answers
from devtools.processes import stop_with_parent
from devtools.waiting import wait_until

# Debian's /usr/sbin wrappers switch to the rabbitmq user when run as root, dropping our
# environment; the scripts they call take it as it is
SCRIPTS = Path("/usr/lib/rabbitmq/bin")


def _script(name):
    local = SCRIPTS / name
    return str(local) if local.exists() else shutil.which(name)


def available():
    return _script("rabbitmq-server") is not None and _script("rabbitmqctl") is not None


class RabbitNode:
    def __init__(self, name, amqp_port, dist_port, cookie=None):
        self.name = f"{name}@localhost"
        self.amqp_port = amqp_port
        self.folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        (self.folder / "enabled_plugins").write_text("[].\n")
        cookie_file = self.folder / ".erlang.cookie"
        cookie_file.write_text(cookie or secrets.token_hex(16))
        cookie_file.chmod(0o400)
        self.process = None
        self.env = {**os.environ, "HOME": str(self.folder), "RABBITMQ_NODENAME": self.name,
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_NODE_PORT": str(amqp_port), "RABBITMQ_DIST_PORT": str(dist_port),
                    "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.folder / "log"),
                    "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
                    "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
                    "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
                    "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
                    # the start script then execs erl: this process's child is the node
                    "RUNNING_UNDER_SYSTEMD": "1"}

    @property
    def uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def launch(self):
        """Starts the node's VM (``await_start`` waits for it)."""
        with open(self.folder / "console.log", "ab") as log:  # the node keeps its own copy
            self.process = subprocess.Popen([_script("rabbitmq-server")], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            preexec_fn=stop_with_parent)

    def await_start(self, seconds=90):
        if not wait_until(self._started, seconds, interval=1):
            self.stop()
            raise RuntimeError(f"private RabbitMQ node did not start; see {self.folder}")
        if not wait_until_answers(("127.0.0.1", self.amqp_port), seconds):
            raise RuntimeError(f"private RabbitMQ node did not open its port; see {self.folder}")

    def start(self, seconds=90):
        self.launch()
        self.await_start(seconds)

    def _started(self):
        if self.process.poll() is not None:
            return False
        try:
            self.ctl("await_startup", "--timeout", "10", timeout=30)
            return True
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def ctl(self, *args, timeout=60, input=None):
        done = subprocess.run([_script("rabbitmqctl"), "-q", "-n", self.name, *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout,
                              input=input)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def stop_app(self):
        self.ctl("stop_app")

    def start_app(self):
        self.ctl("start_app")
        if not wait_until_answers(("127.0.0.1", self.amqp_port), 30):
            raise RuntimeError("private RabbitMQ node did not come back")

    def kill(self):
        """SIGKILL, as a crashed machine would; ``start`` brings the node back with its data."""
        self.process.kill()
        self.process.wait()

    def stop(self, remove=True):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)


class RabbitCluster:
    """``size`` private nodes joined into one cluster; ``uri`` names them all (kombu fails over
    from one to the next)."""

    def __init__(self, name, ports, size=3):
        cookie = secrets.token_hex(16)
        self.nodes = [RabbitNode(f"{name}-{n}", *ports(), cookie=cookie) for n in range(size)]

    @property
    def uri(self):
        return ";".join(node.uri for node in self.nodes)

    def start(self):
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.await_start()
        first = self.nodes[0]
        for node in self.nodes[1:]:
            node.stop_app()
            node.ctl("join_cluster", first.name)
            node.start_app()

    def running_nodes(self):
        return self.nodes[0].ctl("eval", "length(rabbit_nodes:all_running()).").strip()

    def stop(self):
        for node in self.nodes:
            node.stop()
