"""Store page scans a gateway has served but not yet reported to the registry."""
from collections import Counter


class ScanTally:
    """Scans served per merchant since the last report."""

    def __init__(self):
        self._counts = Counter()

    def add(self, merchant_id):
        self._counts[merchant_id] += 1

    def take(self):
        counts, self._counts = dict(self._counts), Counter()
        return counts

    def give_back(self, counts):
        """Counts a report that did not get through, so that the next one carries them."""
        self._counts.update(counts)
