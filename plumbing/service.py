"""What every Fangxin service has: metrics, request ids in its logs, /healthz, /metrics, and a
``health`` RPC the gateway's /readyz asks, and an ``echo`` RPC that measures the bus."""
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from plumbing.clock import to_rfc3339
from plumbing.context import REQUEST_ID_KEY, clear_request_id, new_request_id, set_request_id
from plumbing.errors import DomainError
from plumbing.event_contracts import Catalogue, catalogue, envelopes_of
from plumbing.metrics import EntrypointMetrics, exposition
from plumbing.queues import rpc
from plumbing.schedules import schedule
from plumbing.settings import plumbing_settings


class RequestContext(DependencyProvider):
    """Carries the request id: taken from the incoming message's context (RPC, event, or the
    gateway's HTTP entrypoint) or made anew, and kept in the context so it travels on."""

    def worker_setup(self, worker_ctx):
        request_id = worker_ctx.context_data.get(REQUEST_ID_KEY) or new_request_id()
        worker_ctx.context_data[REQUEST_ID_KEY] = request_id
        set_request_id(request_id)

    def worker_teardown(self, worker_ctx):
        clear_request_id()


class FangxinService:
    entrypoint_metrics = EntrypointMetrics()
    request_context = RequestContext()
    # what a subclass declares: its name, and its store and clock dependencies
    name: str
    store: Any
    clock: Any
    # the contracts of the events the service publishes (plumbing.event_contracts.catalogue)
    event_contracts: Catalogue = catalogue()
    schedules = ("prune_bookkeeping",)  # the timers ``run_schedule`` may run at once

    @http("GET", "/healthz")
    def healthz(self, request):
        return Response('{"status": "ok"}', content_type="application/json")

    @http("GET", "/metrics")
    def metrics(self, request):
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    @schedule(interval=lambda: plumbing_settings().retention_scan_seconds)
    def prune_bookkeeping(self):
        """Deletes the bookkeeping of this service that outlived its age
        (``plumbing.retention``)."""
        if getattr(self, "store", None) is not None:
            self.store.prune(self._now())

    # helpers for services that have a ``clock`` and a ``store``

    def _now(self):
        return to_rfc3339(self.clock.now())

    def _envelopes(self, events):
        """Envelopes of this service's events, given as (type, data) pairs with the data of
        each event's newest version: one envelope per version still published, each checked
        against its own contract (``plumbing.event_contracts.envelopes_of``)."""
        return envelopes_of(self.name, self.event_contracts, events, self.clock)

    @rpc
    def run_schedule(self, name):
        """Runs one pass of a schedule now (an operator's or the bench's call over RPC; the
        gateway offers none), as its timer would: only when this replica holds its lease."""
        if name not in self.schedules:
            raise DomainError("NOT_FOUND", f"no schedule {name!r}", 404)
        return {"schedule": name, "ran": getattr(self, name)()}

    @rpc
    def health(self):
        """Answers when this service and its store are reachable."""
        store = getattr(self, "store", None)
        if store is not None:
            store.ping()
        return {"status": "ok", "service": self.name}

    @rpc
    def echo(self):
        """Answers without touching anything: the cost of one RPC over the bus alone."""
        return {"status": "ok", "service": self.name}
