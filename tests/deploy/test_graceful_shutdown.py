"""SIGTERM to a real service process: it stops and exits cleanly, well inside the grace period.

Also a live scrape of its /metrics: the coupon and entrypoint series the alerts and the
dashboard use are really exported by the running process.
"""
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from devtools.processes import stop_with_parent
from tests.conftest import free_port, private_vhost
from tests.deploy.conftest import ROOT

SHUTDOWN_TIMEOUT_SECONDS = 20   # the runner's default and the ConfigMap's value
MUST_EXIT_WITHIN = 10


def get(url):
    with urllib.request.urlopen(url, timeout=2) as answer:
        return answer.status, answer.read().decode()


def run_service(service_class, env, log):
    """The service's process as a pod runs it (plumbing.runner), its output in ``log``."""
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "plumbing.runner", service_class],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=stop_with_parent)


def wait_for(url, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return get(url)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def test_sigterm_stops_a_service_in_time(system_env, tmp_path):
    port = free_port()
    env = {**os.environ, **system_env, "HTTP_PORT": str(port), "BIND_HOST": "127.0.0.1",
           "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT_SECONDS)}
    log = tmp_path / "coupons.log"
    process = run_service("services.coupons.service:CouponsService", env, log)
    try:
        status, _ = wait_for(f"http://127.0.0.1:{port}/healthz", 40)
        assert status == 200
        # /healthz answers while the container is still starting its other extensions: the
        # SIGTERM below may land in that window, which the runner must handle too
        status, metrics = get(f"http://127.0.0.1:{port}/metrics")
        types = set(re.findall(r"^# TYPE (\S+) ", metrics, re.M))
        for family in ("fangxin_coupon_claims_total", "fangxin_coupon_redemptions_total",
                       "fangxin_coupon_stock_remaining", "fangxin_entrypoint_calls_total",
                       "fangxin_entrypoint_latency_seconds"):
            assert {family, family.removesuffix("_total")} & types, sorted(types)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS + 5)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    output = log.read_text(errors="replace")
    assert code == 0, output[-2000:]
    assert took < MUST_EXIT_WITHIN, f"exited after {took:.1f}s"
    assert "stopping" in output
    assert "killing" not in output   # nothing left for the runner to kill


class SlowProvider:
    """An SMS provider that holds each request for ``delay`` seconds before answering 200."""

    def __init__(self, delay):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received, self.answered = threading.Event(), threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                provider.received.set()
                time.sleep(delay)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")
                provider.answered.set()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def own_vhost(system_env):
    """A vhost of its own: the session's stack, once started, has a notifications service too,
    whose consumer of the same queue would take the event."""
    with private_vhost(system_env["AMQP_URI"], "fangxin-graceful-shutdown") as amqp_uri:
        yield amqp_uri


def test_sigterm_lets_a_busy_service_finish_its_work(system_env, own_vhost, tmp_path):
    """A delivery is in flight (the provider holds it) when SIGTERM arrives: the service
    finishes it — the message ends up sent — and exits cleanly in time."""
    from nameko.standalone.events import event_dispatcher
    from nameko.standalone.rpc import ClusterRpcProxy
    from pymongo import MongoClient

    from plumbing.clock import Clock
    from plumbing.config import database_name
    from plumbing.events import new_event

    provider = SlowProvider(delay=3)
    port = free_port()
    env = {**os.environ, **system_env, "AMQP_URI": own_vhost, "HTTP_PORT": str(port),
           "BIND_HOST": "127.0.0.1", "SMS_WEBHOOK_URL": provider.url,
           "NOTIFY_SEND_TIMEOUT_SECONDS": "10",
           "SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN_TIMEOUT_SECONDS)}
    log = tmp_path / "notifications.log"
    process = run_service("services.notifications.service:NotificationsService", env, log)
    config = {"AMQP_URI": own_vhost}
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", 40)
        # its queues exist once the runner says it started; an event sent before that would
        # have no queue to land in
        deadline = time.monotonic() + 30
        while '"started notifications' not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the service never finished starting"
            time.sleep(0.1)
        with ClusterRpcProxy(config) as cluster:
            cluster.notifications.set_preferences(
                {"sub": "busy-consumer", "role": "consumer"},
                {"contacts": {"phone": "13800000077"}})
        event = new_event("coupons", "coupon_claimed", {
            "coupon_id": "c", "campaign_id": "k", "consumer": "busy-consumer",
            "campaign_name": "停机测试", "prize": None, "face_value_fen": 100,
            "expires_at": "2027-01-01T00:00:00.000000Z", "regions": []}, Clock())
        event_dispatcher(config)("coupons", "coupon_claimed", event)
        assert provider.received.wait(20), "the delivery never reached the provider"
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        code = process.wait(timeout=SHUTDOWN_TIMEOUT_SECONDS + 5)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        provider.close()
    output = log.read_text(errors="replace")
    assert code == 0, output[-2000:]
    assert provider.answered.is_set()
    assert took < MUST_EXIT_WITHIN, f"exited after {took:.1f}s"
    deliveries = MongoClient(system_env["MONGO_URI"])[database_name("notifications")][
        "deliveries"]
    [sms] = deliveries.find({"event_id": event["event_id"], "channel": "sms"})
    assert sms["status"] == "sent"
    assert "killing" not in output


def test_sigterm_while_still_waiting_for_a_store_that_is_gone_ends_in_time(system_env, tmp_path):
    """A service still starting (its store unreachable: gone with the rest of the system) takes
    a SIGTERM as the end once SHUTDOWN_TIMEOUT_SECONDS is up, not after its minute of waiting
    for the store (MONGO_STARTUP_TIMEOUT_SECONDS)."""
    env = {**os.environ, **system_env, "HTTP_PORT": str(free_port()), "BIND_HOST": "127.0.0.1",
           "MONGO_URI": f"mongodb://127.0.0.1:{free_port()}/", "MONGO_TIMEOUT_MS": "500",
           "SHUTDOWN_TIMEOUT_SECONDS": "2", "MONGO_STARTUP_TIMEOUT_SECONDS": "120"}
    log = tmp_path / "registry.log"
    process = run_service("services.registry.service:RegistryService", env, log)
    try:
        deadline = time.monotonic() + 40
        while "store not reachable yet" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline and process.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 128 + signal.SIGTERM and took < MUST_EXIT_WITHIN, (code, took)
    assert "still starting" in log.read_text(errors="replace")
