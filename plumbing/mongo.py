"""The Mongo dependency provider: one client per container, the service's own database,
indexes created at start, the outbox relay run beside it, everything closed on stop.

Times are stored as fixed-width RFC 3339 UTC strings (``plumbing.clock.to_rfc3339``): they
sort and compare correctly as strings on MongoDB and on the embedded nx-27017, whose datetime
comparisons are not reliable.
"""
import logging

from nameko.extensions import DependencyProvider
from pymongo import ASCENDING, IndexModel, MongoClient, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from plumbing.config import database_name, env_bool, env_float, env_int, mongo_uri
from plumbing.outbox import OutboxRelay, new_document_with_events, replacement_with_events

log = logging.getLogger(__name__)

PROCESSED_EVENTS = "processed_events"


class BaseStore:
    """A service's data access object. Subclasses declare their collections' indexes and
    which collections carry an outbox."""

    INDEXES = {}
    OUTBOX_COLLECTIONS = ()

    def __init__(self, db, relay=None):
        self.db = db
        self._relay = relay

    def events_written(self):
        """Tell the relay that a write carried events, so it publishes them now."""
        if self._relay is not None:
            self._relay.wake()

    def insert_with_events(self, collection, document, events):
        self.db[collection].insert_one(new_document_with_events(document, events))
        if events:
            self.events_written()

    def save_versioned(self, collection, document, fields, events):
        """Writes the next version of ``document`` (``fields`` and ``events`` applied) if it is
        still the stored version; the saved document, or None when another write came first."""
        stored = self.db[collection]
        current = stored.find_one({"_id": document["_id"], "version": document["version"]},
                                  {"outbox": 1})
        if current is None:
            return None
        replacement = replacement_with_events(document, fields, current.get("outbox") or {},
                                              events)
        saved = stored.find_one_and_replace(
            {"_id": document["_id"], "version": document["version"]}, replacement,
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)
        if saved is not None and events:
            self.events_written()
        return saved

    def ping(self):
        self.db.command("ping")

    def claim_event(self, handler, event_id, now, lease_until):
        """Claims the handling of an event: "claimed", "done" (handled before) or "busy"
        (another worker holds an unexpired claim). Times are RFC 3339 strings."""
        claims = self.db[PROCESSED_EVENTS]
        key = f"{handler}:{event_id}"
        try:
            claims.insert_one({"_id": key, "state": "started", "lease_until": lease_until,
                               "at": now})
            return "claimed"
        except DuplicateKeyError:
            pass
        expired = {"_id": key, "state": "started", "lease_until": {"$lt": now}}
        if claims.find_one_and_update(expired, {"$set": {"lease_until": lease_until}}):
            return "claimed"
        claim = claims.find_one({"_id": key})
        return "done" if claim is not None and claim["state"] == "done" else "busy"

    def finish_event(self, handler, event_id, now):
        self.db[PROCESSED_EVENTS].update_one({"_id": f"{handler}:{event_id}"},
                                             {"$set": {"state": "done", "at": now}})

    def release_event(self, handler, event_id):
        self.db[PROCESSED_EVENTS].delete_one({"_id": f"{handler}:{event_id}",
                                              "state": "started"})

    @classmethod
    def all_indexes(cls):
        indexes = {name: list(models) for name, models in cls.INDEXES.items()}
        for name in cls.OUTBOX_COLLECTIONS:
            indexes.setdefault(name, []).append(IndexModel([("outbox_count", ASCENDING)]))
        indexes.setdefault(PROCESSED_EVENTS, []).append(IndexModel([("at", ASCENDING)]))
        return indexes


class Mongo(DependencyProvider):
    """Injects an instance of ``store_cls`` bound to this service's database."""

    def __init__(self, store_cls):
        self.store_cls = store_cls

    def setup(self):
        self.client = MongoClient(
            mongo_uri(),
            maxPoolSize=env_int("MONGO_MAX_POOL_SIZE", 50),
            serverSelectionTimeoutMS=env_int("MONGO_TIMEOUT_MS", 5000),
            connect=False,
        )
        self.db = self.client[database_name(self.container.service_name)]
        self.relay = None
        if self.store_cls.OUTBOX_COLLECTIONS:
            self.relay = OutboxRelay(
                self.db, self.store_cls.OUTBOX_COLLECTIONS, self.container.config,
                poll_seconds=env_float("OUTBOX_POLL_SECONDS", 1.0),
                hold=env_bool("FAULT_HOLD_OUTBOX", False))
        self.store = self.store_cls(self.db, self.relay)

    def start(self):
        self._create_indexes()
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run)

    def _create_indexes(self):
        """Waits for the store (it may start after the service), then creates the indexes."""
        attempts = Retrying(
            retry=retry_if_exception_type(PyMongoError), reraise=True, wait=wait_fixed(1),
            stop=stop_after_delay(env_float("MONGO_STARTUP_TIMEOUT_SECONDS", 60)),
            before_sleep=lambda state: log.warning("store not reachable yet; retrying"))
        for attempt in attempts:
            with attempt:
                for name, models in self.store_cls.all_indexes().items():
                    self.db[name].create_indexes(models)

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.store
