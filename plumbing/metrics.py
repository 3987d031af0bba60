"""Prometheus metrics of every process: one counter and one histogram per entrypoint."""
import time

from nameko.extensions import DependencyProvider
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

ENTRYPOINT_CALLS = Counter(
    "fangxin_entrypoint_calls_total", "Entrypoint calls by outcome (ok, rejected, error)",
    ["service", "entrypoint", "kind", "outcome"])
ENTRYPOINT_LATENCY = Histogram(
    "fangxin_entrypoint_latency_seconds", "Entrypoint latency",
    ["service", "entrypoint", "kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter(
    "fangxin_events_published_total", "Events published by the outbox relay", ["source", "type"])
EVENTS_CONSUMED = Counter(
    "fangxin_events_consumed_total", "Events handled, by outcome (handled, duplicate, poison)",
    ["service", "handler", "outcome"])


_KINDS = {"Rpc": "rpc", "EventHandler": "event", "AfterMissedEvents": "event", "Timer": "timer"}


def entrypoint_kind(entrypoint):
    """rpc, event, timer or http, by the nameko entrypoint the class is or extends."""
    for cls in type(entrypoint).__mro__:
        if cls.__name__ in _KINDS:
            return _KINDS[cls.__name__]
    name = type(entrypoint).__name__
    return "http" if hasattr(entrypoint, "get_url_rule") else name.lower()


def outcome_of(result, exc_info):
    """ok, rejected (a domain error: the caller's fault) or error (ours)."""
    if exc_info is not None:
        status = getattr(exc_info[1], "status", 500)
        return "rejected" if isinstance(status, int) and status < 500 else "error"
    status = getattr(result, "status_code", 200)
    if status >= 500:
        return "error"
    return "rejected" if status >= 400 else "ok"


class EntrypointMetrics(DependencyProvider):
    """Counts and times every worker of the container, whatever its entrypoint type."""

    def setup(self):
        self._started = {}

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        labels = (self.container.service_name, worker_ctx.entrypoint.method_name,
                  entrypoint_kind(worker_ctx.entrypoint))
        ENTRYPOINT_LATENCY.labels(*labels).observe(time.perf_counter() - started)
        ENTRYPOINT_CALLS.labels(*labels, outcome_of(result, exc_info)).inc()

    def worker_teardown(self, worker_ctx):
        self._started.pop(worker_ctx, None)


def exposition():
    """(body, content type) of the Prometheus text format for this process."""
    return generate_latest(), CONTENT_TYPE_LATEST
