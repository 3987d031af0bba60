"""Event handlers that set malformed events aside and skip events they already handled.

Delivery is at-least-once, so a handler may see an event twice: once after a crash between its
work and the record that it finished, and whenever the outbox relay publishes twice. The
record below absorbs plain repeats; handlers make their own writes idempotent too (keys derived
from ``event_id``) to cover the crash window.
"""
import functools
import logging

from nameko.events import event_handler

from plumbing.clock import to_rfc3339
from plumbing.events import validate_envelope
from plumbing.metrics import EVENTS_CONSUMED

log = logging.getLogger(__name__)

POISON_EVENTS = "poison_events"


def consumes(source, event_type, store_attr="store", clock_attr="clock"):
    """Decorate ``handler(self, envelope)`` to consume ``source``'s ``event_type`` events."""

    def decorate(handler):
        name = handler.__name__

        @functools.wraps(handler)
        def consume(self, payload):
            store = getattr(self, store_attr)
            now = to_rfc3339(getattr(self, clock_attr).now())
            problems = validate_envelope(payload)
            if problems:
                _set_aside(store, self.name, name, payload, problems, now)
                return
            if store.already_processed(name, payload["event_id"]):
                EVENTS_CONSUMED.labels(self.name, name, "duplicate").inc()
                return
            handler(self, payload)
            store.mark_processed(name, payload["event_id"], now)
            EVENTS_CONSUMED.labels(self.name, name, "handled").inc()

        return event_handler(source, event_type)(consume)

    return decorate


def _set_aside(store, service, handler, payload, problems, now):
    log.error("malformed event set aside", extra={"handler": handler, "problems": problems})
    EVENTS_CONSUMED.labels(service, handler, "poison").inc()
    store.db[POISON_EVENTS].insert_one(
        {"handler": handler, "payload": repr(payload)[:10000], "problems": problems, "at": now})
