"""A private RabbitMQ node for tests that need the broker to go away.

The shared broker on 5672 is never stopped (others run tests on it). This node has its own
name, ports, data and log folders and Erlang cookie (its own HOME), and no plugins, so it
clashes with nothing; ``stop_app``/``start_app`` take its AMQP listener away and back.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from devtools.broker import wait_until_answers
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
    def __init__(self, name, amqp_port, dist_port):
        self.name = f"{name}@localhost"
        self.amqp_port = amqp_port
        self.folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
        (self.folder / "enabled_plugins").write_text("[].\n")
        self.env = {**os.environ, "HOME": str(self.folder), "RABBITMQ_NODENAME": self.name,
                    "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                    "RABBITMQ_NODE_PORT": str(amqp_port), "RABBITMQ_DIST_PORT": str(dist_port),
                    "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.folder / "log"),
                    "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
                    "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq"),
                    "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.folder / "advanced.config"),
                    "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf")}

    @property
    def uri(self):
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    def start(self, seconds=90):
        subprocess.run([_script("rabbitmq-server"), "-detached"], env=self.env, check=True,
                       timeout=30, capture_output=True)
        # the node registers with epmd a moment after -detached returns
        if not wait_until(self._started, seconds, interval=1):
            self.stop()
            raise RuntimeError(f"private RabbitMQ node did not start; see {self.folder}")
        if not wait_until_answers(("127.0.0.1", self.amqp_port), seconds):
            raise RuntimeError(f"private RabbitMQ node did not open its port; see {self.folder}")

    def _started(self):
        try:
            self.ctl("await_startup", "--timeout", "10", timeout=30)
            return True
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def ctl(self, *args, timeout=60):
        done = subprocess.run([_script("rabbitmqctl"), "-q", "-n", self.name, *args],
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.stderr or done.stdout}")
        return done.stdout

    def stop_app(self):
        self.ctl("stop_app")

    def start_app(self):
        self.ctl("start_app")
        if not wait_until_answers(("127.0.0.1", self.amqp_port), 30):
            raise RuntimeError("private RabbitMQ node did not come back")

    def stop(self):
        try:
            self.ctl("stop", timeout=60)
        except (RuntimeError, subprocess.TimeoutExpired):
            pid_file = self.folder / "node.pid"  # our own node only, by its pid
            if pid_file.exists():
                subprocess.run(["kill", "-9", pid_file.read_text().strip()], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
