"""Bookkeeping that outlives its purpose is pruned: the claims of handled events, the answers
kept for Idempotency-Keys, poison events, complaint filing claims, finished deliveries and the
like. Each kept document is stamped when it is written: ``k_written`` (a composite key: when,
then its id) and ``written_at`` (a BSON date). Every ``RETENTION_SCAN_SECONDS`` a service
deletes, batch by batch, what was written longer ago than each collection's age (a
``RETAIN_…_SECONDS`` variable); on a real MongoDB a TTL index on ``written_at`` does the same
by itself (the embedded store has no TTL, so both run)."""
import logging
from dataclasses import dataclass
from datetime import timedelta

from pymongo import ASCENDING, IndexModel

from plumbing.clock import from_rfc3339, to_rfc3339
from plumbing.config import env_float, per_process
from plumbing.keys import key, prefix
from plumbing.pagination import KeyRange

log = logging.getLogger(__name__)

WRITTEN_KEY = "k_written"
WRITTEN_AT = "written_at"
BATCH = 200
MOST_PER_PASS = 5000
DAY = 24 * 3600


@per_process
def _age_seconds(variable, default):
    return env_float(variable, default)


@dataclass(frozen=True)
class Retention:
    """Documents of ``collection`` go ``age_variable`` seconds (default ``default_seconds``)
    after they were last stamped."""
    collection: str
    age_variable: str
    default_seconds: float

    def age_seconds(self):
        return _age_seconds(self.age_variable, self.default_seconds)

    def indexes(self, with_ttl):
        models = [IndexModel([(WRITTEN_KEY, ASCENDING)], sparse=True)]
        if with_ttl:
            models.append(IndexModel([(WRITTEN_AT, ASCENDING)], name=f"{WRITTEN_AT}_ttl",
                                     expireAfterSeconds=int(self.age_seconds())))
        return models


PROCESSED_EVENTS = Retention("processed_events", "RETAIN_PROCESSED_EVENTS_SECONDS", 7 * DAY)
POISON_EVENTS = Retention("poison_events", "RETAIN_POISON_EVENTS_SECONDS", 30 * DAY)


def stamp(now, document_id):
    """The fields that date a kept document (``now``: an RFC 3339 text)."""
    moment = from_rfc3339(now)
    return {WRITTEN_KEY: key(WRITTEN_KEY, now, document_id), WRITTEN_AT: moment}


def prune(db, retention, now):
    """Deletes, in batches, the documents written longer ago than the retention's age;
    returns how many (at most ``MOST_PER_PASS`` a pass: the rest goes in the next)."""
    moment = from_rfc3339(now)
    before = to_rfc3339(moment - timedelta(seconds=retention.age_seconds()))
    due = KeyRange(WRITTEN_KEY, prefix(WRITTEN_KEY), end=before).query()
    collection, pruned = db[retention.collection], 0
    for _ in range(MOST_PER_PASS // BATCH):
        ids = [d["_id"] for d in collection.find(due, {"_id": 1}).limit(BATCH)]
        if ids:
            pruned += collection.delete_many({"_id": {"$in": ids}}).deleted_count
        if len(ids) < BATCH:
            break
    if pruned:
        log.info("pruned bookkeeping", extra={"collection": retention.collection,
                                               "pruned": pruned})
    return pruned
