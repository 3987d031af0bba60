"""The complaints service's collections and queries."""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from plumbing.mongo import BaseStore
from plumbing.pagination import newest_first

COMPLAINTS = "complaints"
FILING_CLAIMS = "filing_claims"
HOTSPOTS = "hotspots"
THRESHOLD_REPORTS = "threshold_reports"
NO_OUTBOX = {"outbox": 0}


class ComplaintsStore(BaseStore):
    INDEXES = {
        COMPLAINTS: [
            IndexModel([("consumer", ASCENDING), ("filed_at", DESCENDING)]),
            IndexModel([("merchant_id", ASCENDING), ("filed_at", DESCENDING)]),
            IndexModel([("region", ASCENDING), ("filed_at", DESCENDING)]),
            IndexModel([("status", ASCENDING), ("deadline_at", ASCENDING)]),
            IndexModel([("filed_at", DESCENDING)]),
            # the embedded store uses an index only for a query on that one field
            IndexModel([("consumer", ASCENDING)]),
            IndexModel([("merchant_id", ASCENDING)]),
        ],
        HOTSPOTS: [IndexModel([("region", ASCENDING), ("detected_at", DESCENDING)])],
    }
    OUTBOX_COLLECTIONS = (COMPLAINTS, HOTSPOTS, THRESHOLD_REPORTS)

    # --- complaints ----------------------------------------------------------------------------

    def insert_complaint(self, complaint, events):
        self.insert_with_events(COMPLAINTS, complaint, events)

    def get(self, complaint_id):
        return self.db[COMPLAINTS].find_one({"_id": complaint_id}, NO_OUTBOX)

    def page(self, query, cursor, limit):
        return newest_first(self.db[COMPLAINTS], query, "filed_at", cursor, limit, NO_OUTBOX)

    def find(self, query, projection=NO_OUTBOX):
        return list(self.db[COMPLAINTS].find(query, projection))

    def merchants_complained_about_by(self, consumer, since):
        # one field in the query, the time compared here: see filed_against
        return [c["merchant_id"] for c in self.db[COMPLAINTS].find(
            {"consumer": consumer}, {"merchant_id": 1, "filed_at": 1}) if c["filed_at"] >= since]

    def filed_against(self, merchant_id, since):
        """The merchant's complaints filed since ``since``. The time is compared here, not in
        the query: the embedded store would scan every complaint for a query on two fields
        (README "Known limits"), while one merchant's complaints are few."""
        return [c for c in self.db[COMPLAINTS].find({"merchant_id": merchant_id}, NO_OUTBOX)
                if c["filed_at"] >= since]

    def overdue(self, now):
        return self.find({"status": "forwarded", "deadline_at": {"$lt": now}})

    def due_for_reminder(self, until):
        return self.find({"status": "forwarded", "reminded": False,
                          "deadline_at": {"$lte": until}})

    def count_by_status(self):
        return {row["_id"]: row["n"] for row in self.db[COMPLAINTS].aggregate(
            [{"$group": {"_id": "$status", "n": {"$sum": 1}}}])}

    # --- duplicates: one claim per (consumer, merchant, category) and window ------------------

    def claim_filing(self, key, complaint_id, now, window_start, stale_before):
        """Claims the filing of the complaint ``key`` names, atomically: "claimed", "filed" (one
        was filed since ``window_start``) or "in_progress" (a claim whose complaint is not
        stored yet). Such a claim older than ``stale_before`` belonged to a filing that died
        in between (a crash) and is taken over."""
        claims, mine = self.db[FILING_CLAIMS], {"at": now, "complaint_id": complaint_id}
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

    def hotspot_page(self, query, cursor, limit):
        return newest_first(self.db[HOTSPOTS], query, "detected_at", cursor, limit, NO_OUTBOX)
