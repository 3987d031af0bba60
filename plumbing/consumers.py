"""Event handlers that set malformed events aside and handle each event once.

Delivery is at-least-once: the outbox relay may publish twice, and nameko redelivers what a
dead consumer held. Before handling, a worker claims ``(handler, event_id)`` with an insert
that only one can win; a repeat that finds the claim done is skipped, and one that finds it
still running waits for it (or for its lease to expire, when its holder died) instead of
racing it. The claim and finish records of events handled at the same moment in one process
are written together (plumbing/coalesce.py).

Poison does not block a queue. A message that cannot be decoded at all (not JSON, or a content
type we do not accept) is republished untouched to the durable queue ``fangxin.poison.<service>``
and acknowledged; a malformed envelope, and an event its handler fails on for a reason that a
retry will not cure (a missing field, a wrong type), is recorded in ``poison_events``. Each is
counted in ``fangxin_events_consumed_total`` (outcome ``undecodable`` or ``poison``). Only a
failure a retry can cure (the store, the broker or another service away, or a versioned
document that kept changing under its writes) releases the claim and returns the event to the
queue, after a pause, to be tried again.
"""
import functools
import logging
import time
import uuid
from datetime import timedelta

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu import Producer
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer

from plumbing.clock import to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.errors import DomainError
from plumbing.events import routing_key, validate_envelope
from plumbing.metrics import EVENTS_CONSUMED
from plumbing.queues import durable_queue, event_handler
from plumbing.retention import POISON_EVENTS as POISON_RETENTION
from plumbing.retention import stamp
from plumbing.settings import plumbing_settings
from plumbing.versioned import CONCURRENT_UPDATE
from plumbing.write_errors import STORE_AWAY

log = logging.getLogger(__name__)

POISON_EVENTS = POISON_RETENTION.collection
POISON_QUEUE = "fangxin.poison.{service}"
BUSY_POLL_SECONDS = 0.1
RETRY_PAUSE_SECONDS = 1.0
CURABLE = (*STORE_AWAY, AmqpConnectionError, OperationalError, OSError)
_batches = Coalescer()  # the greenthreads of this process, whichever service they serve


def curable(exc):
    """Whether a retry may cure the failure: the store, the broker or a service was away, or
    a versioned document kept changing under the handler's writes."""
    return isinstance(exc, CURABLE) or (isinstance(exc, DomainError) and (
        exc.status >= 500 or exc.code == CONCURRENT_UPDATE))


def consumes(source, event_type, version=1, store_attr="store", clock_attr="clock"):
    """Decorate ``handler(self, envelope)`` to consume ``source``'s ``event_type`` events of
    ``version``, the one the handler was written for: its queue is bound to that version's
    routing key (``plumbing.events.routing_key``), and an envelope of another version is set
    aside. The claim is on ``(handler, event_id)``, and the envelopes of the versions of one
    event share their ``event_id``."""

    def decorate(handler):
        name = handler.__name__

        @functools.wraps(handler)
        def consume(self, payload):
            store, clock = getattr(self, store_attr), getattr(self, clock_attr)
            problems = validate_envelope(payload)
            if not problems and payload["version"] != version:
                problems = {"version": [f"{payload['version']}, where this handler reads "
                                        f"version {version}"]}
            if problems:
                _set_aside(store, self.name, name, payload, problems, clock)
                EVENTS_CONSUMED.labels(self.name, name, "poison").inc()
                return
            event_id = payload["event_id"]
            if _claim(store, clock, name, event_id) == "done":
                EVENTS_CONSUMED.labels(self.name, name, "duplicate").inc()
                return
            try:
                handler(self, payload)
                outcome = "handled"
            except Exception as exc:
                if curable(exc):
                    _give_back(store, name, event_id)
                    raise
                _set_aside(store, self.name, name, payload, {"handler": [repr(exc)[:500]]},
                           clock)
                outcome = "poison"
            _finish(store, clock, name, event_id)
            EVENTS_CONSUMED.labels(self.name, name, outcome).inc()

        return event_handler(source, routing_key(event_type, version),
                             requeue_on_error=True)(consume)

    return decorate


def _claim(store, clock, handler, event_id):
    """"claimed" or "done", waiting while another worker holds the claim."""
    lease = timedelta(seconds=plumbing_settings().consumer_lease_seconds)
    while True:
        now = clock.now()
        [state] = _batches.submit_many(
            ("claim", store.db.name, handler), [event_id], lambda event_ids, now=now:
            store.claim_events(handler, event_ids, to_rfc3339(now), to_rfc3339(now + lease)))
        if state != "busy":
            return state
        time.sleep(BUSY_POLL_SECONDS)


def _finish(store, clock, handler, event_id):
    now = to_rfc3339(clock.now())
    _batches.submit_many(("finish", store.db.name, handler), [event_id],
                         lambda event_ids: store.finish_events(handler, event_ids, now))


def _give_back(store, handler, event_id):
    """Releases the claim so the event, returned to the queue, is tried again; pauses first so
    that a store or service that is away is not hammered."""
    try:
        store.release_event(handler, event_id)
    finally:
        time.sleep(RETRY_PAUSE_SECONDS)


def _set_aside(store, service, handler, payload, problems, clock):
    log.error("poison event set aside", extra={"handler": handler, "problems": problems})
    now, poison_id = to_rfc3339(clock.now()), uuid.uuid4().hex
    store.db[POISON_EVENTS].insert_one({"_id": poison_id, "handler": handler,
                                        "payload": repr(payload)[:10000],
                                        "problems": problems, "at": now,
                                        **stamp(now, poison_id)})


def _set_aside_undecodable(queue_consumer, message, exc):
    """Replaces kombu's ``on_decode_error`` (log and drop) for nameko's consumers: the raw
    message goes to the service's poison queue, with where it came from and why."""
    service = queue_consumer.container.service_name
    info = message.delivery_info or {}
    EVENTS_CONSUMED.labels(service, info.get("routing_key", ""), "undecodable").inc()
    log.error("undecodable message set aside", extra={
        "exchange": info.get("exchange"), "routing_key": info.get("routing_key"),
        "content_type": message.content_type, "error": repr(exc)[:500]})
    poison = durable_queue(POISON_QUEUE.format(service=service))
    Producer(message.channel).publish(
        message.body, exchange="", routing_key=poison.name, declare=[poison],
        content_type=message.content_type or "application/octet-stream",
        content_encoding=message.content_encoding or "binary", delivery_mode=2,
        headers={**(message.headers or {}), "x-error": repr(exc)[:500],
                 "x-exchange": info.get("exchange"), "x-routing-key": info.get("routing_key")})
    message.ack()


QueueConsumer.on_decode_error = _set_aside_undecodable
