"""The complaints store (services/complaints/store.py) in memory: the methods the application
code calls, with the same answers, every event written kept in ``events`` (the outbox) and
every call counted in ``calls`` (its round trips). A complaint's listing keys
(``listing.keys_of``) and counters (``figures.contribution``) are derived from it when read,
as the real store keeps them when it writes."""
import copy
from collections import Counter, defaultdict

from plumbing.event_contracts import newest_versions
from plumbing.keys import prefix, upper_bound
from plumbing.pagination import KeyRange
from services.complaints import figures, listing
from services.complaints.store import COMPLAINTS, HOTSPOTS, THRESHOLD_REPORTS, hotspot_keys

DUE_BATCH = 100


def in_range(value, key_range):
    bounds = key_range.query()[key_range.field]
    return value is not None and bounds["$gte"] <= value < bounds["$lt"]


class FakeComplaintStore:
    def __init__(self):
        self.complaints, self.filing_claims = {}, {}
        self.added: dict[str, dict] = {HOTSPOTS: {}, THRESHOLD_REPORTS: {}}
        self.events = []  # every envelope written, in order
        self.calls: Counter[str] = Counter()  # method name → times called

    def facts(self):
        """One envelope per fact: the newest of its versions, in the order stored."""
        return newest_versions(self.events)

    def events_of(self, event_type):
        """The data of each ``event_type`` fact, in its newest version."""
        return [e["data"] for e in self.facts() if e["type"] == event_type]

    def _call(self, name):
        self.calls[name] += 1

    # --- complaints ----------------------------------------------------------------------------

    def insert_complaint(self, complaint, events):
        self._call("insert_complaint")
        self.complaints[complaint["_id"]] = copy.deepcopy(complaint)
        self.events += events

    def get(self, complaint_id):
        self._call("get")
        return copy.deepcopy(self.complaints.get(complaint_id))

    def save_versioned(self, collection, document, fields, events):
        self._call("save_versioned")
        assert collection == COMPLAINTS
        stored = self.complaints.get(document["_id"])
        if stored is None or stored["version"] != document["version"]:
            return None
        self.complaints[document["_id"]] = {**copy.deepcopy(stored), **copy.deepcopy(fields),
                                            "version": document["version"] + 1}
        self.events += events
        return copy.deepcopy(self.complaints[document["_id"]])

    def _keyed(self, key_range, documents=None, keys_of=listing.keys_of):
        """(key, document) of those whose key ``key_range`` holds, in key order."""
        documents = self.complaints.values() if documents is None else documents
        found = [(keys_of(d)[key_range.field], d) for d in documents]
        return sorted(((k, d) for k, d in found if in_range(k, key_range)),
                      key=lambda pair: pair[0])

    def page(self, ranges, accept, cursor, limit):
        """The first page (the fake keeps no cursors: ``next_cursor`` is None)."""
        self._call("page")
        found = sorted({k: d for r in ranges for k, d in self._keyed(r)}.items(), reverse=True)
        shown = [d for _, d in found if accept is None or accept(d)]
        return copy.deepcopy(shown[:limit]), None

    def _filed_since(self, field, owner, since):
        return [d for _, d in self._keyed(KeyRange(field, prefix(field, owner), since))]

    def merchants_complained_about_by(self, consumer, since):
        self._call("merchants_complained_about_by")
        return [c["merchant_id"] for c in self._filed_since("k_consumer", consumer, since)]

    def filed_against(self, merchant_id, since):
        self._call("filed_against")
        return copy.deepcopy(self._filed_since("k_merchant", merchant_id, since))

    def filed_since(self, since, fields):
        self._call("filed_since")
        for _, complaint in self._keyed(KeyRange("k_filed", prefix("k_filed"), since)):
            yield {name: complaint[name] for name in ("_id", *fields)}

    def _due(self, field, until):
        return copy.deepcopy([d for _, d in self._keyed(
            KeyRange(field, prefix(field), end=until))][:DUE_BATCH])

    def overdue(self, now):
        self._call("overdue")
        return self._due("k_due", now)

    def pending_until(self, last_year):
        self._call("pending_until")
        return self._due("k_pending", f"{last_year + 1}")

    def count_pending(self):
        return len(self._keyed(KeyRange("k_pending", prefix("k_pending"))))

    def due_for_reminder(self, until):
        self._call("due_for_reminder")
        return self._due("k_remind", until)

    def public_summaries(self, merchant_id, since, limit):
        self._call("public_summaries")
        found = self._keyed(KeyRange("k_public", prefix("k_public", merchant_id), since))
        return copy.deepcopy([d for _, d in reversed(found)][:limit])

    def closed_page(self, key_range, cursor, limit, fields):
        """The first page (no cursors), ``fields`` only."""
        self._call("closed_page")
        found = [d for _, d in self._keyed(key_range)][:limit]
        return [{name: d[name] for name in fields if name in d}
                for d in copy.deepcopy(found)], None

    # --- figures -------------------------------------------------------------------------------

    def _counters(self):
        counters: dict = defaultdict(lambda: defaultdict(int))
        for complaint in self.complaints.values():
            for counter, counts in figures.contribution(figures.snapshot(complaint)).items():
                for name, n in counts.items():
                    counters[counter][name] += n
        return counters

    def counter_sums(self, ranges):
        self._call("counter_sums")
        counters, found = self._counters(), []
        for start_of, start, end in ranges:
            high = upper_bound(start_of) if end is None else start_of + end
            found += [{"_id": c, **counts} for c, counts in counters.items()
                      if start_of + start <= c < high]
        return figures.added_up(found)

    def count_by_status(self):
        self._call("count_by_status")
        return dict(self._counters()[figures.STATUS_GAUGE])

    # --- duplicates ----------------------------------------------------------------------------

    def claim_filing(self, key, complaint_id, now, window_start, stale_before):
        self._call("claim_filing")
        mine = {"at": now, "complaint_id": complaint_id}
        claim = self.filing_claims.get(key)
        if claim is None or claim["at"] < window_start:
            self.filing_claims[key] = mine
            return "claimed"
        if claim["complaint_id"] in self.complaints:
            return "filed"
        if claim["at"] >= stale_before:
            return "in_progress"
        self.filing_claims[key] = mine
        return "claimed"

    def release_filing(self, key, now):
        self._call("release_filing")
        if self.filing_claims.get(key, {}).get("at") == now:
            del self.filing_claims[key]

    # --- hot spots and threshold reports -------------------------------------------------------

    def add_once(self, collection, document, events):
        self._call("add_once")
        if document["_id"] in self.added[collection]:
            return False
        self.added[collection][document["_id"]] = copy.deepcopy(document)
        self.events += events
        return True

    def reported(self, report_id):
        self._call("reported")
        return report_id in self.added[THRESHOLD_REPORTS]

    def hotspot_page(self, key_range, cursor, limit):
        self._call("hotspot_page")
        found = self._keyed(key_range, self.added[HOTSPOTS].values(), hotspot_keys)
        return copy.deepcopy([d for _, d in reversed(found)][:limit]), None
