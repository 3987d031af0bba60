"""A process's short memory of documents read from another process or the store: each kept for
a time limit, the least recently read dropped first when full (cachetools' TTLCache), and
dropped at once when an event says they changed.

Each value carries a tag (the merchant a store page shows, the campaign itself) by which events
drop it. A value read before such an event but offered after it is refused: it may be stale."""
import time

from cachetools import TTLCache

FOREVER_AGO = float("-inf")


class ExpiringCache:
    def __init__(self, ttl, max_entries, clock=time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self.enabled = ttl > 0 and max_entries > 0
        self._values: TTLCache = TTLCache(max(max_entries, 1), max(ttl, 1e-9), timer=clock)
        self._key_of = {}  # tag -> key of the value kept for it
        self._dropped = {}  # tag -> when an event last dropped it
        self._all_dropped = FOREVER_AGO

    def now(self):
        return self.clock()

    def get(self, key):
        return self._values.get(key)

    def put(self, key, value, tag, read_at):
        """Keeps ``value`` (read at ``read_at``, from ``now()``) unless an event about ``tag``
        or about everything came since."""
        if not self.enabled or read_at <= max(self._all_dropped,
                                              self._dropped.get(tag, FOREVER_AGO)):
            return
        self._values[key] = value
        self._key_of[tag] = key
        if len(self._key_of) > 2 * self.max_entries:  # tags of values the cache let go
            self._key_of = {t: k for t, k in self._key_of.items() if k in self._values}

    def forget(self, tag):
        now = self.clock()
        self._dropped[tag] = now
        key = self._key_of.pop(tag, None)
        if key is not None:
            self._values.pop(key, None)
        if len(self._dropped) > self.max_entries:
            # a drop older than any read still in flight can refuse nothing more
            horizon = now - max(self.ttl, 60)
            self._dropped = {t: at for t, at in self._dropped.items() if at > horizon}

    def forget_all(self):
        self._all_dropped = self.clock()
        self._values.clear()
        self._key_of.clear()

    def __len__(self):
        return len(self._values)

