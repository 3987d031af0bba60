"""``Idempotency-Key`` of API.md: a retry with the same key and body gets the first answer
(an error included); the same key with another body is 409 ``IDEMPOTENCY_KEY_REUSED``.

The first request inserts a pending record that only one can win; concurrent retries wait for
its outcome. A pending record whose request died is taken over after a lease. Answers of 5xx
are not kept: such a request is safe to retry and is tried again.
"""
import hashlib
import json
import time
from datetime import timedelta

from pymongo import DeleteOne, UpdateOne

from plumbing.clock import to_rfc3339
from plumbing.coalesce import Outcome, attempt
from plumbing.errors import DomainError, conflict
from plumbing.mongo import inserted
from plumbing.retention import Retention, stamp
from plumbing.settings import plumbing_settings

IDEMPOTENT_REQUESTS = Retention("idempotent_requests", "RETAIN_IDEMPOTENCY_KEYS_SECONDS",
                                24 * 3600)
WAIT_SECONDS = 5
POLL_SECONDS = 0.05


def fingerprint(body):
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class IdempotentRequests:
    def __init__(self, collection, clock):
        self.collection = collection
        self.clock = clock

    def run(self, scope, key, body, compute):
        """``compute()``'s answer, or the answer first given for (scope, key)."""
        request = (scope, key, body)
        first = self.run_many([request], lambda fresh: [attempt(compute) for _ in fresh])[0]
        return self.replay(request, compute) if first is None else first.unwrap()

    def run_many(self, requests, compute_many):
        """Outcomes of ``(scope, key, body)`` requests that run together: ``compute_many(indexes)``
        gives those of the requests seen for the first time (and of those without a key) in one
        go. A request whose key was seen before gets None: its caller settles it with
        ``replay``, in its own time, so that a wait for another process never holds the rest."""
        ids = {i: (f"{scope}:{key}", fingerprint(body))
               for i, (scope, key, body) in enumerate(requests) if key is not None}
        started = self._start_many(ids)
        fresh = [i for i in range(len(requests)) if i not in ids or i in started]
        outcomes = [None] * len(requests)
        try:
            computed = compute_many(fresh) if fresh else []
        except Exception as exc:  # the records are let go below: a retry runs again
            computed = [Outcome(error=exc)] * len(fresh)
        for i, outcome in zip(fresh, computed, strict=True):
            outcomes[i] = outcome
        self._finish([(ids[i][0], outcomes[i]) for i in fresh if i in ids])
        return outcomes

    def replay(self, request, compute, record=None):
        """The answer first given for a request whose key was seen before (its ``record``, when
        already read); ``compute()`` runs if that first request died without one."""
        scope, key, body = request
        return self._replay(f"{scope}:{key}", fingerprint(body), compute, record)

    def records(self, requests):
        """The record kept for each ``(scope, key, body)`` request, or None where its key has
        not been seen (or it has none), in one round trip."""
        ids = [f"{scope}:{key}" if key is not None else None for scope, key, _ in requests]
        wanted = [i for i in ids if i is not None]
        found = {r["_id"]: r for r in self.collection.find({"_id": {"$in": wanted}})} \
            if wanted else {}
        return [found.get(record_id) for record_id in ids]

    def _start_many(self, ids):
        """Inserts a pending record for each ``index: (record_id, fingerprint)``; the indexes
        whose record this call inserted."""
        if not ids:
            return set()
        indexes, now = list(ids), self._now()
        records = [{"_id": ids[i][0], "fingerprint": ids[i][1], "state": "pending", "at": now,
                    **stamp(now, ids[i][0])} for i in indexes]
        return {indexes[n] for n in inserted(self.collection, records)}

    def _answer(self, record_id, compute):
        outcome = attempt(compute)
        self._finish([(record_id, outcome)])
        return outcome.unwrap()

    def _finish(self, answered):
        """Keeps each ``(record_id, Outcome)`` answer; lets go of the records of 5xx answers and
        failures, so that a retry runs again."""
        writes, now = [], self._now()
        for record_id, outcome in answered:
            kept = _kept(outcome)
            writes.append(DeleteOne({"_id": record_id, "state": "pending"}) if kept is None else
                          UpdateOne({"_id": record_id}, {"$set": {
                              "state": "done", "outcome": kept, **stamp(now, record_id)}}))
        if writes:
            self.collection.bulk_write(writes, ordered=False)

    def _replay(self, record_id, print_, compute, record=None):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            record = record or self.collection.find_one({"_id": record_id})
            if record is None:  # the first request failed and let go: this one goes ahead
                return self.run_again(record_id, print_, compute)
            if record["fingerprint"] != print_:
                raise conflict("IDEMPOTENCY_KEY_REUSED",
                               "this Idempotency-Key was used with another body")
            if record["state"] == "done":
                return _unwrap(record["outcome"])
            if self._take_over(record_id):
                return self._answer(record_id, compute)
            if time.monotonic() > deadline:
                raise conflict("REQUEST_IN_PROGRESS", "the first request with this key is "
                                                      "still running; retry shortly")
            time.sleep(POLL_SECONDS)
            record = None

    def run_again(self, record_id, print_, compute):
        if self._start_many({0: (record_id, print_)}):
            return self._answer(record_id, compute)
        return self._replay(record_id, print_, compute)

    def _take_over(self, record_id):
        now = self.clock.now()
        # a pending record whose request died (its process killed) is taken over
        stale = to_rfc3339(now - timedelta(seconds=plumbing_settings().idempotency_lease_seconds))
        return self.collection.find_one_and_update(
            {"_id": record_id, "state": "pending", "at": {"$lt": stale}},
            {"$set": {"at": to_rfc3339(now)}}) is not None

    def _now(self):
        return to_rfc3339(self.clock.now())


def _kept(outcome):
    """The stored form of an answer worth replaying, or None (5xx and unexpected failures)."""
    error = outcome.error
    if error is None:
        return {"result": outcome.value}
    if isinstance(error, DomainError) and error.status < 500:
        return {"error": [error.code, error.message, error.status, error.details]}
    return None


def _unwrap(outcome):
    if "error" in outcome:
        code, message, status, details = outcome["error"]
        raise DomainError(code, message, status, details)
    return outcome["result"]
