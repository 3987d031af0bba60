"""The Mongo dependency provider: one client per container, the service's own database,
indexes created at start, the outbox relay run beside it, everything closed on stop.

Times are stored as fixed-width RFC 3339 UTC strings (``plumbing.clock.to_rfc3339``): they
sort and compare correctly as strings on MongoDB and on the embedded nx-27017, whose datetime
comparisons are not reliable.
"""
import logging

import eventlet
from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel, MongoClient, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure, PyMongoError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from plumbing.config import database_name, mongo_uri
from plumbing.derived import (
    DERIVED_FIELD,
    DOCUMENT_BOOKKEEPING,
    PENDING_FIELD,
    SETTLE_GRACE_SECONDS,
    bookkeeping_of,
    new_token,
    pending_indexes,
    same_bookkeeping,
    without_bookkeeping,
)
from plumbing.outbox import (
    OutboxRelay,
    new_document_with_events,
    replacement_with_events,
    update_with_events,
)
from plumbing.retention import POISON_EVENTS, PROCESSED_EVENTS, prune, stamp
from plumbing.schedules import LEASES, Leases
from plumbing.settings import plumbing_settings
from plumbing.write_errors import refused_as_duplicates

log = logging.getLogger(__name__)

INDEX_OPTIONS_CONFLICT, INDEX_KEY_SPECS_CONFLICT = 85, 86
RELAY_STOP_SECONDS = 5


def inserted(collection, documents):
    """Inserts ``documents`` in one round trip, skipping those whose ``_id`` (or another unique
    key) is taken: the indexes of the documents inserted."""
    if not documents:
        return []
    try:
        collection.insert_many(documents, ordered=False)
        return list(range(len(documents)))
    except BulkWriteError as exc:
        taken = refused_as_duplicates(exc)
    return [i for i in range(len(documents)) if i not in taken]


def key_indexes(*fields):
    """Single-field indexes of composite key fields (``plumbing.keys``); sparse, since a key
    is absent from the documents its list does not hold."""
    return [IndexModel([(field, ASCENDING)], sparse=True) for field in fields]


def count_up_to(collection, ids, limit, field="count", stamps=None):
    """Counts one more in the document of each id (an id may come more than once) unless that
    would pass ``limit``: for each, whether it was counted. ``stamps``: fields set with the
    count (``plumbing.retention.stamp``), by id. Most counts are first ones (a consumer's first
    claim, first warning of the day): each id's first count is an insert, all of them in one
    round trip (``inserted``); only what is left takes conditional upserts."""
    if not ids:
        return []
    stamps = stamps or {}
    first: dict = {}
    for n, i in enumerate(ids):
        first.setdefault(i, n)
    news = list(first)
    counted = [False] * len(ids)
    for made in inserted(collection, [{"_id": i, field: 1, **stamps.get(i, {})} for i in news]):
        counted[first[news[made]]] = True
    rest = [n for n in range(len(ids)) if not counted[n]]
    for n, ok in zip(rest, _count_existing(collection, [ids[n] for n in rest], limit, field,
                                           stamps)):
        counted[n] = ok
    return counted


def _count_existing(collection, ids, limit, field, stamps):
    if not ids:
        return []
    writes = [UpdateOne({"_id": i, field: {"$lt": limit}},
                        {"$inc": {field: 1}, **({"$set": stamps[i]} if i in stamps else {})},
                        upsert=True) for i in ids]
    try:
        collection.bulk_write(writes, ordered=False)
        return [True] * len(ids)
    except BulkWriteError as exc:
        # the upsert met a document at the limit, or (limit > 1) one another write created at
        # the same moment, which a plain conditional update settles
        refused = refused_as_duplicates(exc)
    return [i not in refused or (limit > 1 and collection.update_one(
        {"_id": ids[i], field: {"$lt": limit}}, {"$inc": {field: 1}}).modified_count == 1)
        for i in range(len(ids))]


REPLACE_ATTEMPTS = 50  # settles of one document in a row: far more than ever meet


class BaseStore:
    """A service's data access object. Subclasses declare their collections' indexes, which
    collections carry an outbox, the composite keys of each collection's documents
    (``KEYS``: collection → function of a document → {key field: text, or None when the
    document is in no such list}) and the data derived from them (``DERIVED``: collection →
    ``plumbing.derived.Derived``). Every insert and versioned save sets the keys and settles
    the derived data."""

    INDEXES: dict = {}
    OUTBOX_COLLECTIONS: tuple = ()
    KEYS: dict = {}
    DERIVED: dict = {}
    RETENTION: tuple = ()  # plumbing.retention.Retention of the store's own bookkeeping
    MONGODB_INDEXES: dict = {}  # indexes made on a real MongoDB only (``all_indexes``)

    def __init__(self, db, relay=None):
        self.db = db
        self._relay = relay
        self.leases = Leases(db[LEASES])

    def prepared(self, collection, document, new=False):
        """``document`` with its keys as its fields now say, and, for a collection with
        derived data, derived as it is when ``new`` (``derive_inserted`` follows its insert), else
        marked when its write owes its derived data a change (``settle`` follows)."""
        keys_of = self.KEYS.get(collection)
        if keys_of is not None:
            keys = keys_of(document)
            document = {**{k: v for k, v in document.items() if k not in keys},
                        **{k: v for k, v in keys.items() if v is not None}}
        derived = self.DERIVED.get(collection)
        if derived is None:
            return document
        return derived.as_new(document) if new else derived.marked(document)

    def owing(self, collection, documents):
        """New ``documents`` as they are inserted: owing their derived data under one token
        (``derive_inserted`` pays it)."""
        derived = self.DERIVED.get(collection)
        if derived is None:
            return documents, None
        token = new_token()
        return [derived.owing(document, token) for document in documents], token

    def derive_inserted(self, collection, documents, token):
        derived = self.DERIVED.get(collection)
        if derived is not None:
            derived.inserted(self.db, collection, documents, token)

    def settle(self, collection, document):
        """Settles the derived data ``document``'s write owes: the document as it now
        stands (derived as it is, once this settle made the writes)."""
        derived = self.DERIVED.get(collection)
        if derived is None or document is None or not derived.settle(self.db, collection,
                                                                     document):
            return document
        settled = {k: v for k, v in document.items() if k != PENDING_FIELD}
        return {**settled, DERIVED_FIELD: derived.derived_as(document)}

    def settle_pending(self, grace=SETTLE_GRACE_SECONDS):
        """Settles the derived data of writes whose process died before settling it or
        ``grace`` seconds into it."""
        return sum(derived.settle_pending(self.db, collection, grace=grace)
                   for collection, derived in self.DERIVED.items())

    def events_written(self, collection):
        """Tell the relay that a write to ``collection`` carried events, so it publishes them
        now."""
        if self._relay is not None:
            self._relay.wake(collection)

    def insert_with_events(self, collection, document, events):
        (document,), token = self.owing(collection, [self.prepared(
            collection, new_document_with_events(document, events), new=True)])
        self.db[collection].insert_one(document)
        if events:
            self.events_written(collection)
        self.derive_inserted(collection, [document], token)

    def insert_many_with_events(self, collection, writes):
        """Inserts each ``(document, events, request_id)`` in one round trip, skipping documents
        whose ``_id`` is taken: for each, whether it was inserted."""
        documents, token = self.owing(collection, [
            self.prepared(collection, new_document_with_events(document, events, request_id),
                          new=True) for document, events, request_id in writes])
        done = set(inserted(self.db[collection], documents))
        if any(events for _, events, _ in writes):
            self.events_written(collection)
        self.derive_inserted(collection, [documents[i] for i in sorted(done)], token)
        return [i in done for i in range(len(writes))]

    def key_changes(self, collection, document):
        """({key field: text}, {key field: ""}) of ``document``: the keys to set and to unset
        (the lists it is not in)."""
        keys = self.KEYS.get(collection, lambda _: {})(document)
        return ({name: value for name, value in keys.items() if value is not None},
                {name: "" for name, value in keys.items() if value is None})

    def rekey(self, collection):
        """Sets the keys of every stored document of ``collection`` as ``KEYS`` says now (a
        key added since a document was last written; with the service stopped): how many
        documents changed."""
        changed = 0
        for document in self.db[collection].find({}, {"outbox": 0}):
            keys, unsets = self.key_changes(collection, document)
            unsets = {name: "" for name in unsets if name in document}
            if all(document.get(name) == value for name, value in keys.items()) and not unsets:
                continue
            update = {"$set": keys, **({"$unset": unsets} if unsets else {})}
            self.db[collection].update_one({"_id": document["_id"]}, update)
            changed += 1
        return changed

    def update_where(self, collection, document, condition, fields, events=()):
        """Sets ``fields`` (and records ``events``) on ``document`` only while the stored one
        matches ``condition`` (``{"status": "active"}``: one of two racing writers wins), its
        keys and derived data following: the saved document, or None."""
        keys, unsets = self.key_changes(collection, {**document, **fields})
        sets = {**fields, **keys}
        if collection in self.DERIVED:  # only the settle knows the stored document's snapshot
            sets[PENDING_FIELD] = new_token()
        update = {"$set": sets, **({"$unset": unsets} if unsets else {})}
        saved = self.db[collection].find_one_and_update(
            {"_id": document["_id"], **condition}, update_with_events(update, list(events)),
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)
        if saved is not None and events:
            self.events_written(collection)
        return self.settle(collection, saved)

    def save_versioned(self, collection, document, fields, events):
        """Writes the next version of ``document`` (``fields`` and ``events`` applied) if it is
        still the stored version; the saved document, or None when another write came first."""
        stored = self.db[collection]
        this_version = {"_id": document["_id"], "version": document["version"]}
        watched = {"outbox": 1, **dict.fromkeys(DOCUMENT_BOOKKEEPING, 1)}
        for _ in range(REPLACE_ATTEMPTS):  # again while a settle changed the bookkeeping
            current = stored.find_one(this_version, watched)
            if current is None:
                return None
            replacement = self.prepared(collection, replacement_with_events(
                {**without_bookkeeping(document), **bookkeeping_of(current)}, fields,
                current.get("outbox") or {}, events))
            saved = stored.find_one_and_replace(
                {**this_version, **same_bookkeeping(current)}, replacement,
                projection={"outbox": 0}, return_document=ReturnDocument.AFTER)
            if saved is not None:
                break
        else:
            return None  # as if another write came first: the caller reads and decides again
        if saved is not None and events:
            self.events_written(collection)
        return self.settle(collection, saved)

    def ping(self):
        self.db.command("ping")

    @classmethod
    def all_retention(cls):
        return (*cls.RETENTION, PROCESSED_EVENTS, POISON_EVENTS)

    def prune(self, now):
        """Deletes the bookkeeping that outlived its age: {collection: how many}."""
        return {r.collection: prune(self.db, r, now) for r in self.all_retention()}

    def claim_events(self, handler, event_ids, now, lease_until):
        """Claims the handling of events, in one round trip when none was seen before: for
        each, "claimed", "done" (handled before) or "busy" (another worker holds an unexpired
        claim). Times are RFC 3339 strings."""
        claims = self.db[PROCESSED_EVENTS.collection]
        keys = [f"{handler}:{event_id}" for event_id in event_ids]
        new = set(inserted(claims, [{"_id": key, "state": "started", "lease_until": lease_until,
                                     "at": now, **stamp(now, key)} for key in keys]))
        return ["claimed" if i in new else self._claim_seen(key, now, lease_until)
                for i, key in enumerate(keys)]

    def _claim_seen(self, key, now, lease_until):
        claims = self.db[PROCESSED_EVENTS.collection]
        expired = {"_id": key, "state": "started", "lease_until": {"$lt": now}}
        if claims.find_one_and_update(expired, {"$set": {"lease_until": lease_until}}):
            return "claimed"
        claim = claims.find_one({"_id": key})
        return "done" if claim is not None and claim["state"] == "done" else "busy"

    def finish_events(self, handler, event_ids, now):
        self.db[PROCESSED_EVENTS.collection].bulk_write([
            UpdateOne({"_id": key}, {"$set": {"state": "done", "at": now, **stamp(now, key)}})
            for key in (f"{handler}:{event_id}" for event_id in event_ids)], ordered=False)

    def release_event(self, handler, event_id):
        self.db[PROCESSED_EVENTS.collection].delete_one({"_id": f"{handler}:{event_id}",
                                              "state": "started"})

    @classmethod
    def all_indexes(cls, on_mongodb=False):
        """Every index of the store's collections; on a real MongoDB also its TTL indexes and
        ``MONGODB_INDEXES`` (the embedded store has no TTL, and pays for every index at every
        write)."""
        indexes = {name: list(models) for name, models in cls.INDEXES.items()}
        for retention in cls.all_retention():
            indexes.setdefault(retention.collection, []).extend(retention.indexes(on_mongodb))
        if on_mongodb:
            for name, models in cls.MONGODB_INDEXES.items():
                indexes.setdefault(name, []).extend(models)
        for name in cls.OUTBOX_COLLECTIONS:
            indexes.setdefault(name, []).append(IndexModel([("outbox_count", ASCENDING)]))
        for name, derived in cls.DERIVED.items():
            indexes.setdefault(name, []).extend(pending_indexes())
            for other, models in derived.indexes().items():
                indexes.setdefault(other, []).extend(models)
        return indexes


def create_indexes(collection, models):
    """Creates the indexes; a TTL index whose age changed since it was made is given the new
    age (MongoDB refuses to make it again with other options)."""
    try:
        collection.create_indexes(models)
    except OperationFailure as exc:
        if exc.code not in (INDEX_OPTIONS_CONFLICT, INDEX_KEY_SPECS_CONFLICT):
            raise
        for model in models:
            document = model.document
            if "expireAfterSeconds" in document:
                collection.database.command("collMod", collection.name, index={
                    "keyPattern": dict(document["key"]),
                    "expireAfterSeconds": document["expireAfterSeconds"]})
        collection.create_indexes([m for m in models
                                   if "expireAfterSeconds" not in m.document])


class Mongo(DependencyProvider):
    """Injects an instance of ``store_cls`` bound to this service's database."""

    def __init__(self, store_cls):
        self.store_cls = store_cls

    def setup(self):
        settings = plumbing_settings()
        self.client: MongoClient = MongoClient(
            mongo_uri(),
            maxPoolSize=settings.mongo_max_pool_size,
            serverSelectionTimeoutMS=settings.mongo_timeout_ms,
            connect=False,
        )
        self.db = self.client[database_name(self.container.service_name)]
        self.relay = self._relay_thread = None
        if self.store_cls.OUTBOX_COLLECTIONS:
            self.relay = OutboxRelay(
                self.db, self.store_cls.OUTBOX_COLLECTIONS, self.container.config,
                poll_seconds=settings.outbox_poll_seconds,
                linger_seconds=settings.outbox_linger_seconds,
                orphan_seconds=settings.outbox_orphan_seconds, hold=settings.hold_outbox)
        self.store = self.store_cls(self.db, self.relay)
        self._sweeper = None

    def start(self):
        self._create_indexes()
        if self.relay is not None:
            self._relay_thread = self.container.spawn_managed_thread(self.relay.run)
        if self.store_cls.DERIVED:
            self._sweeper = self.container.spawn_managed_thread(self._sweep_derived)

    def _sweep_derived(self):
        """Every ``DERIVED_SWEEP_SECONDS``, settles the derived data of writes left unsettled
        by a process that died, before or ``DERIVED_SETTLE_GRACE_SECONDS`` into its settle (two
        indexed queries when there are none)."""
        interval = plumbing_settings().derived_sweep_seconds
        grace = plumbing_settings().derived_settle_grace_seconds
        while True:
            eventlet.sleep(interval)
            try:
                self.store.settle_pending(grace)
            except PyMongoError as exc:
                log.warning("derived data sweep failed: %s", exc)

    def _stop_sweeper(self):
        """The sweep between two passes is all it does: it stops at once."""
        if self._sweeper is not None:
            self._sweeper.kill()
            self._sweeper = None

    def _create_indexes(self):
        """Waits for the store (it may start after the service), then creates the indexes."""
        attempts = Retrying(
            retry=retry_if_exception_type(PyMongoError), reraise=True, wait=wait_fixed(1),
            stop=stop_after_delay(plumbing_settings().mongo_startup_timeout_seconds),
            before_sleep=lambda state: log.warning("store not reachable yet; retrying"))
        for attempt in attempts:
            with attempt:
                on_mongodb = "version" in self.client.server_info()  # not the embedded one
                for name, models in self.store_cls.all_indexes(on_mongodb).items():
                    create_indexes(self.db[name], models)

    def stop(self):
        """Lets the relay finish its pass (the container kills what is still running after
        this), gives up the schedules' leases and closes the client."""
        self._stop_sweeper()
        self._release_leases()
        if self.relay is not None:
            self.relay.stop()
            if self._relay_thread is not None:
                with eventlet.Timeout(RELAY_STOP_SECONDS, False):
                    self._relay_thread.wait()
        self.client.close()

    def _release_leases(self):
        try:
            self.store.leases.release_all()
        except PyMongoError as exc:  # they run out by themselves
            log.warning("schedule leases not released: %s", exc)

    def kill(self):
        self._stop_sweeper()
        if self.relay is not None:
            self.relay.stop()
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.store
