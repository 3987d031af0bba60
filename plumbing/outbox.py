"""The outbox: pending events travel inside the same single-document write as the change.

A write adds its events under ``outbox.<event_id>`` and increments ``outbox_count``, so one
atomic update commits both the state change and its events (DESIGN.md rule 2). The relay finds
documents with ``outbox_count > 0``, publishes each event with publisher confirms, and only then
unsets it. A crash between the write and the publish leaves the event in the document, and the
relay of the restarted process publishes it. A crash between the publish and the unset
publishes it twice, which idempotent consumers absorb.

Events are kept as a map keyed by event id rather than a pushed array: the embedded store
(nx-27017) turns subdocuments pushed with ``$push`` into JSON strings.
"""
import logging

import eventlet
from eventlet.queue import Full, LightQueue
from nameko.amqp.publish import Publisher
from nameko.constants import HEADER_PREFIX
from pymongo import UpdateOne

from plumbing.context import REQUEST_ID_KEY, current_request_id
from plumbing.events import exchange_for
from plumbing.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)

PENDING = {"outbox_count": {"$gt": 0}}
BATCH = 200


def _entry(envelope, request_id=None):
    return {"envelope": envelope, REQUEST_ID_KEY: request_id or current_request_id()}


def new_document_with_events(document, envelopes, request_id=None):
    """A document to insert, carrying its events (and the id of the request that caused them:
    by default the current one)."""
    return {
        **document,
        "outbox": {e["event_id"]: _entry(e, request_id) for e in envelopes},
        "outbox_count": len(envelopes),
    }


def update_with_events(update, envelopes):
    """A Mongo update that also records ``envelopes`` in the document's outbox."""
    merged = {op: dict(fields) for op, fields in update.items()}
    sets = merged.setdefault("$set", {})
    for envelope in envelopes:
        sets[f"outbox.{envelope['event_id']}"] = _entry(envelope)
    incs = merged.setdefault("$inc", {})
    incs["outbox_count"] = incs.get("outbox_count", 0) + len(envelopes)
    return merged


def replacement_with_events(document, fields, pending, events):
    """The whole next version of a versioned document: ``fields`` applied, ``events`` added to
    the ``pending`` outbox it has now. Written with a replace, not ``$set``: the embedded store
    turns top-level booleans set with ``$set`` into integers."""
    outbox = {**pending, **{e["event_id"]: _entry(e) for e in events}}
    kept = {k: v for k, v in document.items() if k not in ("outbox", "outbox_count")}
    return {**kept, **fields, "outbox": outbox, "outbox_count": len(outbox),
            "version": document["version"] + 1}


def pending_entries(document):
    """The document's pending events in the order they happened."""
    entries = (document.get("outbox") or {}).values()
    return sorted(entries, key=lambda e: (e["envelope"]["occurred_at"], e["envelope"]["event_id"]))


class OutboxRelay:
    """Publishes pending events of the given collections; runs in one managed greenthread."""

    def __init__(self, db, collections, config, poll_seconds=1.0, hold=False):
        self.db = db
        self.config = config
        self.collections = tuple(collections)
        self.poll_seconds = poll_seconds
        self.hold = hold
        self.publisher = Publisher(config["AMQP_URI"], use_confirms=True, retry=True,
                                   retry_policy={"max_retries": 2, "interval_start": 0.5,
                                                 "interval_step": 0.5, "interval_max": 1})
        self._wakeups = LightQueue(maxsize=1)
        self._running = False

    def wake(self):
        """Publish soon: called after a write that carried events."""
        try:
            self._wakeups.put_nowait(True)
        except Full:
            pass

    def run(self):
        self._running = True
        while self._running:
            if not self.hold:
                self._drain_safely()
            try:
                self._wakeups.get(timeout=self.poll_seconds)
            except eventlet.queue.Empty:
                pass

    def stop(self):
        self._running = False
        self.wake()

    def _drain_safely(self):
        try:
            self.drain()
        except Exception:  # broker or store away: keep the events, try on the next pass
            log.warning("outbox relay pass failed; will retry", exc_info=True)

    def drain(self):
        published = 0
        for name in self.collections:
            collection = self.db[name]
            clears = []
            try:
                for document in collection.find(PENDING, {"outbox": 1}).limit(BATCH):
                    for entry in pending_entries(document):
                        self._publish(entry)
                        clears.append(_clear(document["_id"], entry["envelope"]["event_id"]))
            finally:  # one round trip for the pass; a crash before it publishes these again
                if clears:
                    collection.bulk_write(clears, ordered=False)
            published += len(clears)
        return published

    def _publish(self, entry):
        envelope = entry["envelope"]
        headers = {}
        if entry.get(REQUEST_ID_KEY):
            headers[f"{HEADER_PREFIX}.{REQUEST_ID_KEY}"] = entry[REQUEST_ID_KEY]
        exchange = exchange_for(envelope["source"], self.config)
        self.publisher.publish(envelope, exchange=exchange, declare=[exchange],
                               routing_key=envelope["type"], headers=headers)
        EVENTS_PUBLISHED.labels(envelope["source"], envelope["type"]).inc()


def _clear(document_id, event_id):
    """The write that removes a published event from its document's outbox. The version moves
    too, so a writer holding the old outbox loses its race and rereads."""
    return UpdateOne(
        {"_id": document_id, f"outbox.{event_id}": {"$exists": True}},
        {"$unset": {f"outbox.{event_id}": ""}, "$inc": {"outbox_count": -1, "version": 1}})
