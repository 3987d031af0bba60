"""The outbox: pending events travel inside the same single-document write as the change.

A write adds its events under ``outbox.<event_id>`` and increments ``outbox_count``, so one
atomic update commits both the state change and its events (DESIGN.md rule 2). The relay finds
documents with ``outbox_count > 0``, publishes a pass's events and waits for the broker's
confirms of all of them (one wait for the pass, not one per event), and only then unsets them.
A crash between the write and the publish leaves the event in the document, and the relay of
the restarted process publishes it. A crash between the publish and the unset publishes it
twice, which idempotent consumers absorb.

With several replicas every relay sees every pending event; each entry records the process that
wrote it, and a relay publishes the entries its own process wrote, and others' only once they
are ``orphan_seconds`` old (their writer died, or its relay is failing): two relays publish one
event together only when its writer is that slow.

Events are kept as a map keyed by event id rather than a pushed array: the embedded store
(nx-27017) turns subdocuments pushed with ``$push`` into JSON strings."""
import logging
import time

import eventlet
from amqp.exceptions import MessageNacked
from eventlet.queue import Full, LightQueue
from kombu import Connection, Producer
from nameko.constants import HEADER_PREFIX, PERSISTENT
from pymongo import UpdateOne

from plumbing.context import REQUEST_ID_KEY, current_request_id, new_instance_id
from plumbing.events import exchange_for, routing_key
from plumbing.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)

PENDING = {"outbox_count": {"$gt": 0}}
# the projection of a read that wants a document without its pending events
NO_OUTBOX = {"outbox": 0}
BATCH = 200
WRITER = new_instance_id()  # this process


def outbox_key(envelope):
    """The key of an envelope in a document's outbox: its event id, and its version past the
    first, since the envelopes of the versions of one event share its id
    (plumbing/event_contracts.py)."""
    version = envelope.get("version", 1)
    return envelope["event_id"] if version == 1 else f"{envelope['event_id']}_v{version}"


def _entry(envelope, request_id=None):
    return {"envelope": envelope, REQUEST_ID_KEY: request_id or current_request_id(),
            "by": WRITER, "at": time.time()}


def new_document_with_events(document, envelopes, request_id=None):
    """A document to insert, carrying its events (and the id of the request that caused them:
    by default the current one)."""
    return {
        **document,
        "outbox": {outbox_key(e): _entry(e, request_id) for e in envelopes},
        "outbox_count": len(envelopes),
    }


def update_with_events(update, envelopes):
    """A Mongo update that also records ``envelopes`` in the document's outbox."""
    merged = {op: dict(fields) for op, fields in update.items()}
    sets = merged.setdefault("$set", {})
    for envelope in envelopes:
        sets[f"outbox.{outbox_key(envelope)}"] = _entry(envelope)
    incs = merged.setdefault("$inc", {})
    incs["outbox_count"] = incs.get("outbox_count", 0) + len(envelopes)
    return merged


def replacement_with_events(document, fields, pending, events):
    """The whole next version of a versioned document: ``fields`` applied, ``events`` added to
    the ``pending`` outbox it has now. Written with a replace, not ``$set``: the embedded store
    turns top-level booleans set with ``$set`` into integers."""
    outbox = {**pending, **{outbox_key(e): _entry(e) for e in events}}
    kept = {k: v for k, v in document.items() if k not in ("outbox", "outbox_count")}
    return {**kept, **fields, "outbox": outbox, "outbox_count": len(outbox),
            "version": document["version"] + 1}


def pending_entries(document):
    """The document's pending events in the order they happened."""
    entries = (document.get("outbox") or {}).values()
    return sorted(entries, key=lambda e: (e["envelope"]["occurred_at"], e["envelope"]["event_id"],
                                          e["envelope"].get("version", 1)))


class OutboxRelay:
    """Publishes pending events of the given collections; runs in one managed greenthread."""

    def __init__(self, db, collections, config, poll_seconds=1.0, linger_seconds=0.0,
                 hold=False, orphan_seconds=5.0, writer=WRITER):
        self.db = db
        self.orphan_seconds, self.writer = orphan_seconds, writer
        self.config = config
        self.collections = tuple(collections)
        self.poll_seconds = poll_seconds
        self.linger_seconds = linger_seconds
        self.hold = hold
        self.publisher = ConfirmingPublisher(config["AMQP_URI"])
        self._wakeups = LightQueue(maxsize=1)
        self._woken = set()
        self._running = False

    def wake(self, collection=None):
        """Publish soon: called after a write to ``collection`` carried events."""
        if collection is not None:
            self._woken.add(collection)
        try:
            self._wakeups.put_nowait(True)
        except Full:
            pass

    def run(self):
        """Passes over the collections written since the last pass, and at least every
        ``poll_seconds`` over all of them (the sweep: events a failed pass or a dead process
        left behind). While busy (the last pass published more than one event) it lingers a
        moment before a pass, so that the events of the writes made meanwhile share it; an
        event written after a quiet spell goes out at once."""
        self._running = True
        published, last_sweep = 0, float("-inf")
        try:
            while self._running:
                collections = [c for c in self.collections if c in self._woken]
                if time.monotonic() - last_sweep >= self.poll_seconds:
                    collections, last_sweep = list(self.collections), time.monotonic()
                self._woken.clear()
                if not self.hold:
                    published = self._drain_safely(collections)
                try:
                    self._wakeups.get(timeout=self.poll_seconds)
                    if self._running and published > 1:
                        eventlet.sleep(self.linger_seconds)
                except eventlet.queue.Empty:
                    pass
        finally:
            self.publisher.close()

    def stop(self):
        self._running = False
        self.wake()

    def _drain_safely(self, collections):
        try:
            return self.drain(collections)
        except Exception:  # broker or store away: keep the events, try on the next pass
            log.warning("outbox relay pass failed; will retry", exc_info=True)
            return 0

    def drain(self, collections=None):
        published, orphaned_before = 0, time.time() - self.orphan_seconds
        for name in self.collections if collections is None else collections:
            collection = self.db[name]
            messages, clears = [], []
            for document in collection.find(PENDING, {"outbox": 1}).limit(BATCH):
                for entry in pending_entries(document):
                    if entry.get("by", self.writer) != self.writer and \
                            entry.get("at", 0) > orphaned_before:
                        continue  # its writer's relay publishes it
                    messages.append(self._message(entry))
                    clears.append(_clear(document["_id"], outbox_key(entry["envelope"])))
            if not messages:
                continue
            # a crash before the clear publishes these again; consumers are idempotent
            self.publisher.publish_all(messages)
            collection.bulk_write(clears, ordered=False)
            for envelope, *_ in messages:
                EVENTS_PUBLISHED.labels(envelope["source"], envelope["type"]).inc()
            published += len(clears)
        return published

    def _message(self, entry):
        """(body, exchange, routing key, headers) of an outbox entry."""
        envelope = entry["envelope"]
        headers = {}
        if entry.get(REQUEST_ID_KEY):
            headers[f"{HEADER_PREFIX}.{REQUEST_ID_KEY}"] = entry[REQUEST_ID_KEY]
        return (envelope, exchange_for(envelope["source"], self.config),
                routing_key(envelope["type"], envelope.get("version", 1)), headers)


class ConfirmingPublisher:
    """Publishes batches of persistent JSON messages with publisher confirms, on a connection
    kept between batches: a batch goes out without waiting, then ``publish_all`` waits for the
    broker's acks of all of it. RabbitMQ acks a message for a quorum queue only once a majority
    of its nodes holds it, which an AMQP transaction's commit does not promise: a commit
    returned while a node died has lost events. A nack, a missing ack after ``confirm_seconds``
    or a failure drops the connection and raises; the next batch connects again. Messages of a
    failed batch may have reached the broker: the caller publishes them again and consumers
    absorb the duplicates."""

    def __init__(self, amqp_uri, confirm_seconds=30.0):
        self.amqp_uri = amqp_uri
        self.confirm_seconds = confirm_seconds
        self._connection = None
        self._channel = None
        self._last_tag = 0  # delivery tags run from 1 on a channel in confirm mode
        self._unconfirmed = set()
        self._nacked = False

    def publish_all(self, messages):
        """Publishes ``(body, exchange, routing_key, headers)`` messages; when this returns,
        the broker has confirmed every one of them."""
        try:
            channel = self._confirming_channel()
            producer = Producer(channel, serializer="json")
            for body, exchange, routing_key, headers in messages:
                producer.publish(body, exchange=exchange, routing_key=routing_key,
                                 headers=headers, declare=[exchange], delivery_mode=PERSISTENT)
                self._last_tag += 1
                self._unconfirmed.add(self._last_tag)
            self._wait_for_confirms()
        except Exception:
            self.close()
            raise

    def _wait_for_confirms(self):
        connection = self._connection
        assert connection is not None  # the batch opened it
        deadline = time.monotonic() + self.confirm_seconds
        while self._unconfirmed and not self._nacked:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._unconfirmed)} messages unconfirmed after "
                                   f"{self.confirm_seconds} s")
            connection.drain_events(timeout=remaining)
        if self._nacked:
            raise MessageNacked("the broker refused a message of the batch")

    def _on_ack(self, delivery_tag, multiple):
        """``multiple``: every tag up to this one is confirmed (acks need not come in order)."""
        if multiple:
            self._unconfirmed = {tag for tag in self._unconfirmed if tag > delivery_tag}
        else:
            self._unconfirmed.discard(delivery_tag)

    def _on_nack(self, delivery_tag, multiple):
        self._nacked = True

    def _confirming_channel(self):
        if self._channel is None:
            self._connection = Connection(self.amqp_uri)
            channel = self._connection.channel()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.confirm_select()
            self._channel, self._last_tag, self._unconfirmed = channel, 0, set()
            self._nacked = False
        return self._channel

    def close(self):
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already gone with the broker: nothing to release
                pass


def _clear(document_id, key):
    """The write that removes a published event (its ``outbox_key``) from its document's
    outbox. The version moves too, so a writer holding the old outbox loses its race and
    rereads."""
    return UpdateOne(
        {"_id": document_id, f"outbox.{key}": {"$exists": True}},
        {"$unset": {f"outbox.{key}": ""}, "$inc": {"outbox_count": -1, "version": 1}})
