"""What the gateway keeps of store pages between scans: the composed pages, for a while, and
the scans it has served but not yet reported to the registry.

A QR scan is the hottest public read (every customer at every till), so pages are served from
memory. Registry, complaint and campaign events drop what they make stale (see
``StorePageRoutes``); the time limit bounds what a missed event could leave stale.
"""
import time
from collections import Counter, OrderedDict

FOREVER_AGO = float("-inf")


class PageCache:
    """Pages by store code, each kept ``ttl`` seconds, at most ``max_entries`` of them (the least
    recently read go first). A page fetched before an invalidation of its merchant is not kept:
    it may already be stale."""

    def __init__(self, ttl, max_entries, clock=time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._pages = OrderedDict()  # code -> (expires_at, page)
        self._code_of = {}  # merchant_id -> code (one store code per unit)
        self._invalidated = {}  # merchant_id -> when
        self._all_invalidated = FOREVER_AGO

    @property
    def enabled(self):
        return self.ttl > 0 and self.max_entries > 0

    def now(self):
        return self.clock()

    def get(self, code):
        entry = self._pages.get(code)
        if entry is None:
            return None
        expires_at, page = entry
        if expires_at <= self.clock():
            self._drop(code)
            return None
        self._pages.move_to_end(code)
        return page

    def put(self, code, page, fetched_at):
        """Keeps ``page`` (read from the services at ``fetched_at``) unless it may be stale."""
        if not self.enabled or fetched_at <= max(
                self._all_invalidated, self._invalidated.get(page["merchant_id"], FOREVER_AGO)):
            return
        self._pages[code] = (fetched_at + self.ttl, page)
        self._pages.move_to_end(code)
        self._code_of[page["merchant_id"]] = code
        while len(self._pages) > self.max_entries:
            self._drop(next(iter(self._pages)))

    def forget_merchant(self, merchant_id):
        now = self.clock()
        self._invalidated[merchant_id] = now
        code = self._code_of.get(merchant_id)
        if code is not None:
            self._drop(code)
        self._prune_invalidations(now)

    def forget_all(self):
        self._all_invalidated = self.clock()
        self._pages.clear()
        self._code_of.clear()

    def _drop(self, code):
        _, page = self._pages.pop(code)
        if self._code_of.get(page["merchant_id"]) == code:
            del self._code_of[page["merchant_id"]]

    def __len__(self):
        return len(self._pages)

    def _prune_invalidations(self, now):
        # an invalidation older than any fetch in flight can matter no more; fetches take at
        # most a few seconds, the time limit is a safe bound
        if len(self._invalidated) > self.max_entries:
            horizon = now - max(self.ttl, 60)
            self._invalidated = {m: at for m, at in self._invalidated.items() if at > horizon}


class ScanTally:
    """Scans served per merchant since the last report to the registry."""

    def __init__(self):
        self._counts = Counter()

    def add(self, merchant_id):
        self._counts[merchant_id] += 1

    def take(self):
        counts, self._counts = dict(self._counts), Counter()
        return counts

    def give_back(self, counts):
        """Counts a report that did not get through, so the next one carries them."""
        self._counts.update(counts)
