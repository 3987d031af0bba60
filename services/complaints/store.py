"""The complaints service's collections and queries. Every query names one indexed field
(a composite key of ``listing``, or an id); figures are read from counters (``figures``)."""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from contracts.open_data import PAGE_ROWS
from plumbing.derived import Counters, Derived, figures_of
from plumbing.keys import key, prefix, region_keys
from plumbing.mongo import BaseStore, key_indexes
from plumbing.outbox import NO_OUTBOX
from plumbing.pagination import KeyRange, due, page_by_key
from plumbing.retention import DAY, Retention, stamp
from services.complaints import figures, listing

COMPLAINTS = "complaints"
FILING_CLAIMS = "filing_claims"
HOTSPOTS = "hotspots"
THRESHOLD_REPORTS = "threshold_reports"
WINDOW_BATCH = 500


def hotspot_keys(spot):
    return {"k_detected": key("k_detected", spot["detected_at"], spot["_id"]),
            **region_keys("k_region", spot["region"], spot["detected_at"], spot["_id"])}


class ComplaintsStore(BaseStore):
    INDEXES = {
        COMPLAINTS: key_indexes(*listing.KEY_FIELDS),
        HOTSPOTS: key_indexes("k_detected", "k_region2", "k_region4", "k_region6"),
    }
    # what a real MongoDB also uses, for operators' own queries by the plain fields (each
    # index costs the embedded store a parse of the document at every write: not made there)
    MONGODB_INDEXES = {COMPLAINTS: [
        IndexModel([("merchant_id", ASCENDING), ("filed_at", DESCENDING)]),
        IndexModel([("region", ASCENDING), ("status", ASCENDING), ("filed_at", DESCENDING)]),
        IndexModel([("consumer", ASCENDING), ("filed_at", DESCENDING)])]}
    OUTBOX_COLLECTIONS = (COMPLAINTS, HOTSPOTS, THRESHOLD_REPORTS)
    KEYS = {COMPLAINTS: listing.keys_of, HOTSPOTS: hotspot_keys}
    COUNTERS = Counters(figures.COUNTERS, figures.contribution)
    DERIVED = {COMPLAINTS: Derived(figures.snapshot, COUNTERS)}
    RETENTION = (
        # a claim matters for the duplicate window (24 h by default)
        Retention(FILING_CLAIMS, "RETAIN_FILING_CLAIMS_SECONDS", 2 * DAY),
        # a report matters for its window (30 days by default): one report per window
        Retention(THRESHOLD_REPORTS, "RETAIN_THRESHOLD_REPORTS_SECONDS", 62 * DAY),
    )

    # --- complaints ----------------------------------------------------------------------------

    def insert_complaint(self, complaint, events):
        self.insert_with_events(COMPLAINTS, complaint, events)

    def get(self, complaint_id):
        return self.db[COMPLAINTS].find_one({"_id": complaint_id}, NO_OUTBOX)

    def page(self, ranges, accept, cursor, limit):
        return page_by_key(self.db[COMPLAINTS], ranges, cursor, limit, accept=accept,
                           projection=NO_OUTBOX)

    def _filed_since(self, field, owners, since, projection=NO_OUTBOX):
        found = KeyRange(field, prefix(field, *owners), since)
        return list(self.db[COMPLAINTS].find(found.query(), projection))

    def merchants_complained_about_by(self, consumer, since):
        return [c["merchant_id"] for c in self._filed_since(
            "k_consumer", [consumer], since, {"merchant_id": 1})]

    def filed_against(self, merchant_id, since):
        """The merchant's complaints filed since ``since``."""
        return self._filed_since("k_merchant", [merchant_id], since)

    def filed_since(self, since, fields):
        """Every complaint filed since ``since`` (the hot spots' two windows), ``fields`` only,
        read ``WINDOW_BATCH`` at a time: a year's busiest fortnight is thousands of complaints,
        and the embedded store serves nobody else while it reads one batch."""
        window, cursor = KeyRange("k_filed", prefix("k_filed"), since), None
        while True:
            batch, cursor = page_by_key(self.db[COMPLAINTS], [window], cursor, WINDOW_BATCH,
                                        descending=False, max_limit=WINDOW_BATCH,
                                        projection=dict.fromkeys(fields, 1))
            yield from batch
            if cursor is None:
                return

    def overdue(self, now):
        """Open complaints whose present state's deadline has passed (a batch, oldest deadline
        first)."""
        return due(self.db[COMPLAINTS], "k_due", now, projection=NO_OUTBOX)

    def pending_until(self, last_year):
        """Open complaints whose deadline waits for a year up to ``last_year`` (a batch)."""
        return due(self.db[COMPLAINTS], "k_pending", f"{last_year + 1}", projection=NO_OUTBOX)

    def count_pending(self):
        return self.db[COMPLAINTS].count_documents(KeyRange("k_pending",
                                                            prefix("k_pending")).query())

    def due_for_reminder(self, until):
        return due(self.db[COMPLAINTS], "k_remind", until, projection=NO_OUTBOX)

    def public_summaries(self, merchant_id, since, limit):
        complaints, _ = page_by_key(self.db[COMPLAINTS], [KeyRange(
            "k_public", prefix("k_public", merchant_id), since)], None, limit,
            projection=NO_OUTBOX)
        return complaints

    def closed_page(self, key_range, cursor, limit, fields):
        """A page of the complaints closed within ``key_range``, earliest first, ``fields``
        only."""
        return page_by_key(self.db[COMPLAINTS], [key_range], cursor, limit, descending=False,
                           projection=dict.fromkeys(fields, 1), max_limit=PAGE_ROWS)

    # --- figures -------------------------------------------------------------------------------

    def counter_sums(self, ranges):
        return figures.added_up(self.COUNTERS.read(self.db, ranges))

    def count_by_status(self):
        gauge = self.db[figures.COUNTERS].find_one({"_id": figures.STATUS_GAUGE}) or {}
        return figures_of(gauge)

    # --- duplicates: one claim per (consumer, merchant, category) and window ------------------

    def claim_filing(self, key, complaint_id, now, window_start, stale_before):
        """Claims the filing of the complaint ``key`` names, atomically: "claimed", "filed" (one
        was filed since ``window_start``) or "in_progress" (a claim whose complaint is not
        stored yet). Such a claim older than ``stale_before`` belonged to a filing that died
        in between (a crash) and is taken over."""
        claims = self.db[FILING_CLAIMS]
        mine = {"at": now, "complaint_id": complaint_id, **stamp(now, key)}
        try:
            claims.insert_one({"_id": key, **mine})
            return "claimed"
        except DuplicateKeyError:
            pass
        if claims.find_one_and_update({"_id": key, "at": {"$lt": window_start}},
                                      {"$set": mine}) is not None:
            return "claimed"
        claim = claims.find_one({"_id": key})
        if claim is None:  # its filing failed and let go
            return "in_progress"
        if not claim.get("complaint_id") or self.get(claim["complaint_id"]) is not None:
            return "filed"
        if claim["at"] >= stale_before:
            return "in_progress"
        taken = claims.find_one_and_update({"_id": key, "at": claim["at"]}, {"$set": mine})
        return "claimed" if taken is not None else "in_progress"

    def release_filing(self, key, now):
        self.db[FILING_CLAIMS].delete_one({"_id": key, "at": now})

    # --- hot spots and threshold reports: stored once, each with its event -----------------

    def add_once(self, collection, document, events):
        """Inserts ``document`` with its events unless its id exists; True when new."""
        try:
            self.insert_with_events(collection, document, events)
        except DuplicateKeyError:
            return False
        return True

    def reported(self, report_id):
        return self.db[THRESHOLD_REPORTS].find_one({"_id": report_id}, {"_id": 1}) is not None

    def hotspot_page(self, key_range, cursor, limit):
        return page_by_key(self.db[HOTSPOTS], [key_range], cursor, limit, projection=NO_OUTBOX)
