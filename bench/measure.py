"""What the bench reads off a run: load processes and their figures, CPU seconds per process,
py-spy profiles, memory, and the machine."""
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from devtools.broker import create_vhost, delete_vhost, with_vhost
from devtools.processes import stop_with_parent
from devtools.stack import PROCESSES, ROOT, Stack
from plumbing.config import amqp_uri

RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or ROOT / "bench" / "results")
PROCS, THREADS = 4, 8  # 32 concurrent clients in every scenario, the same client everywhere


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def bench_system(tag, env, replicas=None):
    """The whole system as ``make run`` starts it, for one bench run: on free ports, in
    databases (``MONGO_DB_PREFIX``) and a RabbitMQ vhost of its own, so that two runs never
    share; ``(stack, folder, vhost, amqp uri)``, once every process serves; stopped and its
    vhost deleted afterwards. ``replicas``: ``{process: count}``, as ``Stack`` takes it."""
    prefix = f"{tag}_{int(time.time())}_{os.getpid()}_"
    folder = Path(tempfile.mkdtemp(prefix=f"fangxin-{tag}-"))
    vhost = create_vhost(prefix.rstrip("_"))
    amqp = with_vhost(amqp_uri(), vhost) if vhost else amqp_uri()
    os.environ["DEV_AUTH"] = "1"  # the stack's gateway and the bench's own token signing
    os.environ["MONGO_DB_PREFIX"] = prefix  # what the bench itself writes goes there too
    stack = Stack(folder / "stack", env={"MONGO_DB_PREFIX": prefix, "AMQP_URI": amqp, **env},
                  ports={name: free_port() for name in PROCESSES}, store_port=free_port(),
                  replicas=replicas)
    try:
        stack.start()
        print("starting the store, the services and the gateway ...", flush=True)
        # the gateway's /readyz through a balancer is one replica's: every one must serve
        if not stack.wait_ready(90) or not all(stack.wait_in_service(instance, 60)
                                               for instance in stack.kinds):
            raise RuntimeError(f"the system is not ready; logs in {stack.logs_dir}")
        yield stack, folder, vhost, amqp
    finally:
        stack.stop_all()
        if vhost:
            delete_vhost(vhost)


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 2)


def latency_figures(prefix, latencies):
    return {f"{prefix}_p{p}_ms": percentile(latencies, p) for p in (50, 95, 99)}


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def load(specs, folder):
    """Runs one bench.load process per spec, all at once; their parsed outputs."""
    running = []
    for i, spec in enumerate(specs):
        path = Path(folder) / f"spec-{uuid.uuid4().hex[:8]}-{i}.json"
        path.write_text(json.dumps(spec))
        running.append(subprocess.Popen([sys.executable, "-m", "bench.load", str(path)],
                                        cwd=ROOT, stdout=subprocess.PIPE,
                                        preexec_fn=stop_with_parent))
    outputs = []
    for process in running:
        out, _ = process.communicate()
        if process.returncode != 0:
            raise RuntimeError("a load process failed")
        outputs.append(json.loads(out))
    return outputs


def timed_load(spec, folder):
    """A duration scenario over PROCS × THREADS clients: requests/s, errors, latencies."""
    outputs = load([{**spec, "threads": THREADS} for _ in range(PROCS)], folder)
    latencies = [x for o in outputs for x in o["latencies_ms"]]
    elapsed = max(o["elapsed"] for o in outputs)
    return {"rps": round(len(latencies) / elapsed, 1), "errors": sum(o["errors"] for o in outputs),
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "load_cpu_seconds": round(sum(o["cpu_seconds"] for o in outputs), 2)}


def interleaved_load(urls, versus, seconds, folder, slice_seconds=1.0):
    """``urls`` and ``versus`` in alternating slices of the same run (the baseline and the
    scenario under the same background load): the figures of each, and their ratio."""
    outputs = load([{"mode": "duration", "urls": urls, "versus": versus, "seconds": seconds,
                     "slice": slice_seconds, "threads": THREADS} for _ in range(PROCS)], folder)
    half = max(o["elapsed"] for o in outputs) / 2

    def figures(parts):
        latencies = [x for p in parts for x in p["latencies_ms"]]
        return {"rps": round(len(latencies) / half, 1), "errors": sum(p["errors"] for p in parts),
                "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99)}

    first, second = figures(outputs), figures([o["versus"] for o in outputs])
    return {"baseline": first, "scenario": second, "ratio": ratio(second["rps"], first["rps"]),
            "load_cpu_seconds": round(sum(o["cpu_seconds"] for o in outputs), 2)}


def list_load(plan, folder, rate=None, keep=()):
    """Fires every request of ``plan`` once over PROCS × THREADS clients (``rate``: requests/s
    in all); the elapsed seconds and every request's outcome, in no particular order."""
    share = rate / PROCS if rate else None
    outputs = load([{"mode": "list", "threads": THREADS, "requests": plan[i::PROCS],
                     "rate": share, "keep": list(keep)} for i in range(PROCS)], folder)
    return (max(o["elapsed"] for o in outputs), [r for o in outputs for r in o["results"]],
            round(sum(o["cpu_seconds"] for o in outputs), 2))


def cpu_seconds(pid):
    """User + system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds each process of the system (and the broker) spends in a scenario: which part
    of a request costs the cores most, i.e. what limits the figure on a CPU-bound machine."""

    def __init__(self, stack):
        self.pids = {name: process.pid for name, process in stack.processes.items()}
        broker = subprocess.run(["pgrep", "-o", "beam.smp"], capture_output=True, text=True)
        if broker.stdout.strip():
            self.pids["rabbitmq"] = int(broker.stdout.split()[0])

    @contextmanager
    def during(self, into):
        before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        yield
        into.update({name: round(cpu_seconds(pid) - before[name], 2)
                     for name, pid in self.pids.items()})


class Profiles:
    """With BENCH_PROFILE=1: py-spy samples the processes named in BENCH_PROFILE_PROCESSES
    (gateway,coupons,store) for the first
    ``BENCH_PROFILE_SECONDS`` (15) of each step and writes their collapsed stacks to
    bench/results/profiles/<step>-<process>.txt (a flame graph tool reads them)."""

    SECONDS = int(os.environ.get("BENCH_PROFILE_SECONDS", "15"))

    def __init__(self, stack):
        self.stack = stack
        self.names = os.environ.get("BENCH_PROFILE_PROCESSES", "gateway,coupons,store").split(",")
        self.py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent))
        self.enabled = os.environ.get("BENCH_PROFILE") == "1" and self.py_spy

    @contextmanager
    def during(self, step):
        if not self.enabled:
            yield
            return
        folder = RESULTS / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        samplers = [self._sample(name, folder / f"{step}-{name}")
                    for name in self._instances()]
        try:
            yield
        finally:
            for sampler in samplers:
                try:
                    sampler.wait(self.SECONDS + 30)
                except subprocess.TimeoutExpired:
                    sampler.kill()

    def _instances(self):
        """The processes named, each replica of a replicated one (``gateway-1``...)."""
        return [instance for name in self.names for instance in (
            self.stack.instances_of(name) if name in self.stack.replicas else [name])
            if instance in self.stack.processes]

    def _sample(self, name, path):
        with open(path.with_suffix(".log"), "wb") as log:
            return subprocess.Popen(
                [self.py_spy, "record", "--format", "raw", "--rate", "100", "--nonblocking",
                 "--duration", str(self.SECONDS), "--pid", str(self.stack.processes[name].pid),
                 "--output", str(path.with_suffix(".txt"))],
                stdout=subprocess.DEVNULL, stderr=log, preexec_fn=stop_with_parent)


def broker_traffic(stack):
    """RPC calls answered, events published and event deliveries handled so far, added up over
    every process (their /metrics): ``messages_published`` (an RPC's request and reply, each
    event once), ``messages_delivered`` (each event once per queue bound for it), and of those
    the ``duplicates`` a handler had handled already."""
    seen = {"rpc": 0, "event": 0, "published": 0, "duplicate": 0}
    for instance in stack.kinds:
        text = requests.get(f"{stack.url_of(instance)}/metrics", timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "fangxin_entrypoint_calls_total" and \
                        sample.labels["kind"] in ("rpc", "event"):
                    seen[sample.labels["kind"]] += sample.value
                elif sample.name == "fangxin_events_published_total":
                    seen["published"] += sample.value
                elif sample.name == "fangxin_events_consumed_total" and \
                        sample.labels["outcome"] == "duplicate":
                    seen["duplicate"] += sample.value
    return {"rpc_calls": seen["rpc"], "events_published": seen["published"],
            "events_delivered": seen["event"], "duplicates": seen["duplicate"],
            "messages_published": 2 * seen["rpc"] + seen["published"],
            "messages_delivered": 2 * seen["rpc"] + seen["event"]}


def memory_mb(stack):
    sizes = {}
    for name, process in stack.processes.items():
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[name] = round(int(line.split()[1]) / 1024, 1)
        except OSError:
            sizes[name] = None
    return sizes


def machine():
    versions = {}
    for package in ("nameko", "eventlet", "pymongo", "kombu", "nx-27017", "requests"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"cores": os.cpu_count(), "python": platform.python_version(), "versions": versions,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load": f"bench.load: {PROCS} processes x {THREADS} threads (requests.Session each)"}
