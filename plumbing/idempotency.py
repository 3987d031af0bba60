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

from pymongo.errors import DuplicateKeyError

from plumbing.clock import to_rfc3339
from plumbing.config import env_float
from plumbing.errors import DomainError, conflict

# a pending record whose request died (its process killed) is taken over after this
LEASE_SECONDS = env_float("IDEMPOTENCY_LEASE_SECONDS", 30)
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
        if key is None:
            return compute()
        record_id, print_ = f"{scope}:{key}", fingerprint(body)
        if not self._start(record_id, print_):
            return self._replay(record_id, print_, compute)
        return self._answer(record_id, compute)

    def recorded(self, scope, key):
        """Whether a request with this key has been seen (answered or still running)."""
        return key is not None and self.collection.find_one(
            {"_id": f"{scope}:{key}"}, {"_id": 1}) is not None

    def _start(self, record_id, print_):
        try:
            self.collection.insert_one({"_id": record_id, "fingerprint": print_,
                                        "state": "pending", "at": self._now()})
            return True
        except DuplicateKeyError:
            return False

    def _answer(self, record_id, compute):
        try:
            outcome = {"result": compute()}
        except DomainError as exc:
            if exc.status >= 500:
                self.collection.delete_one({"_id": record_id, "state": "pending"})
                raise
            outcome = {"error": [exc.code, exc.message, exc.status, exc.details]}
        except Exception:
            self.collection.delete_one({"_id": record_id, "state": "pending"})
            raise
        self.collection.update_one({"_id": record_id}, {"$set": {"state": "done",
                                                                 "outcome": outcome}})
        return _unwrap(outcome)

    def _replay(self, record_id, print_, compute):
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            record = self.collection.find_one({"_id": record_id})
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

    def run_again(self, record_id, print_, compute):
        if self._start(record_id, print_):
            return self._answer(record_id, compute)
        return self._replay(record_id, print_, compute)

    def _take_over(self, record_id):
        now = self.clock.now()
        stale = to_rfc3339(now - timedelta(seconds=LEASE_SECONDS))
        return self.collection.find_one_and_update(
            {"_id": record_id, "state": "pending", "at": {"$lt": stale}},
            {"$set": {"at": to_rfc3339(now)}}) is not None

    def _now(self):
        return to_rfc3339(self.clock.now())


def _unwrap(outcome):
    if "error" in outcome:
        code, message, status, details = outcome["error"]
        raise DomainError(code, message, status, details)
    return outcome["result"]
