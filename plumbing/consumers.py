"""Event handlers that set malformed events aside and handle each event once.

Delivery is at-least-once: the outbox relay may publish twice, and nameko redelivers what a
dead consumer held. Before handling, a worker claims ``(handler, event_id)`` with an insert
that only one can win; a repeat that finds the claim done is skipped, and one that finds it
still running waits for it (or for its lease to expire, when its holder died) instead of
racing it. A handler that raises releases its claim, so a redelivery tries again.
"""
import functools
import logging
import time
from datetime import timedelta

from nameko.events import event_handler

from plumbing.clock import to_rfc3339
from plumbing.config import env_float
from plumbing.events import validate_envelope
from plumbing.metrics import EVENTS_CONSUMED

log = logging.getLogger(__name__)

POISON_EVENTS = "poison_events"
BUSY_POLL_SECONDS = 0.1


def consumes(source, event_type, store_attr="store", clock_attr="clock"):
    """Decorate ``handler(self, envelope)`` to consume ``source``'s ``event_type`` events."""

    def decorate(handler):
        name = handler.__name__

        @functools.wraps(handler)
        def consume(self, payload):
            store, clock = getattr(self, store_attr), getattr(self, clock_attr)
            problems = validate_envelope(payload)
            if problems:
                _set_aside(store, self.name, name, payload, problems, clock)
                return
            event_id = payload["event_id"]
            if _claim(store, clock, name, event_id) == "done":
                EVENTS_CONSUMED.labels(self.name, name, "duplicate").inc()
                return
            try:
                handler(self, payload)
            except Exception:
                store.release_event(name, event_id)
                raise
            store.finish_event(name, event_id, to_rfc3339(clock.now()))
            EVENTS_CONSUMED.labels(self.name, name, "handled").inc()

        return event_handler(source, event_type)(consume)

    return decorate


def _claim(store, clock, handler, event_id):
    """"claimed" or "done", waiting while another worker holds the claim."""
    lease = timedelta(seconds=env_float("CONSUMER_LEASE_SECONDS", 30))
    while True:
        now = clock.now()
        state = store.claim_event(handler, event_id, to_rfc3339(now), to_rfc3339(now + lease))
        if state != "busy":
            return state
        time.sleep(BUSY_POLL_SECONDS)


def _set_aside(store, service, handler, payload, problems, clock):
    log.error("malformed event set aside", extra={"handler": handler, "problems": problems})
    EVENTS_CONSUMED.labels(service, handler, "poison").inc()
    store.db[POISON_EVENTS].insert_one({"handler": handler, "payload": repr(payload)[:10000],
                                        "problems": problems,
                                        "at": to_rfc3339(clock.now())})
