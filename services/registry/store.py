"""The registry's collections and queries. Every query names one indexed field (a composite key
of ``listing``, or an id); figures are read from counters (``counting``)."""
import bisect

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from plumbing.derived import Counters, Derived, Postings, figures_of
from plumbing.errors import conflict
from plumbing.keys import key, prefix
from plumbing.mongo import BaseStore, inserted, key_indexes
from plumbing.outbox import NO_OUTBOX, new_document_with_events, update_with_events
from plumbing.pagination import KeyRange, clamped, decode_cursor, due, encode_cursor, page_by_key
from plumbing.retention import DAY, Retention, stamp
from services.registry import counting, listing, search
from services.registry.grading import COUNTED_KEPT

MERCHANTS = "merchants"
ABNORMAL_LIST = "abnormal_list"
SPOT_CHECKS = "spot_checks"
RATINGS = "ratings"
NEAR_SCAN_BUDGET = 2000


class RegistryStore(BaseStore):
    INDEXES = {
        MERCHANTS: [
            IndexModel([("credit_code", ASCENDING)], unique=True),
            IndexModel([("store_code", ASCENDING)]),
            *key_indexes(*listing.KEY_FIELDS),
        ],
        SPOT_CHECKS: key_indexes(*listing.SPOT_CHECK_KEY_FIELDS),
    }
    MONGODB_INDEXES = {MERCHANTS: [
        IndexModel([("status", ASCENDING), ("region", ASCENDING), ("created_at", DESCENDING)]),
        IndexModel([("region", ASCENDING), ("industry", ASCENDING), ("name", ASCENDING)])]}
    OUTBOX_COLLECTIONS = (MERCHANTS, SPOT_CHECKS)
    KEYS = {MERCHANTS: listing.keys_of, SPOT_CHECKS: listing.spot_check_keys}
    COUNTERS = Counters(counting.COUNTERS, counting.contribution)
    TERMS = Postings(search.TERMS, search.postings_of, search.word_of_posting)
    DERIVED = {MERCHANTS: Derived(counting.snapshot, COUNTERS, TERMS)}
    # a consumer's last rating of a unit matters for the 30 days before the next
    RETENTION = (Retention(RATINGS, "RETAIN_RATINGS_SECONDS", 31 * DAY),)

    # --- merchants ---------------------------------------------------------------------------

    def insert_merchant(self, merchant, events):
        try:
            self.insert_with_events(MERCHANTS, merchant, events)
        except DuplicateKeyError as exc:
            if "credit_code" in str(exc):
                raise conflict("CREDIT_CODE_TAKEN",
                               "a unit with this credit code is registered") from None
            raise conflict("ALREADY_APPLIED", "this merchant account has already applied") from None

    def get_merchant(self, merchant_id):
        return self.db[MERCHANTS].find_one({"_id": merchant_id}, NO_OUTBOX)

    def by_credit_code(self, credit_code):
        return self.db[MERCHANTS].find_one({"credit_code": credit_code}, NO_OUTBOX)

    def by_store_code(self, store_code):
        return self.db[MERCHANTS].find_one({"store_code": store_code}, NO_OUTBOX)

    def count_scans(self, counts):
        """Adds the scans; the version moves, so that a versioned change made meanwhile (the
        trust grade's, which counts the scans) rereads rather than overwrite the count."""
        if counts:
            self.db[MERCHANTS].bulk_write([UpdateOne({"_id": merchant_id},
                                                     {"$inc": {"scan_count": n, "version": 1}})
                                           for merchant_id, n in counts.items()], ordered=False)

    def count_redemption(self, merchant_id, event_id, amount=1):
        """Counts the redemption (or, ``amount`` -1, the rollback) ``event_id`` once (the ids
        of the last ones counted are kept in the same write, so that a delivery repeated after
        a crash counts nothing); the version moves, as for scans. Whether it was counted
        now."""
        counted = self.db[MERCHANTS].update_one(
            {"_id": merchant_id, "redemptions_seen": {"$nin": [event_id]}},
            {"$inc": {"redemption_count": amount, "version": 1},
             "$push": {"redemptions_seen": {"$each": [event_id], "$slice": -COUNTED_KEPT}}})
        return counted.modified_count == 1

    def add_rating(self, merchant_id, score, events):
        """Counts a consumer's ``score`` and records ``events`` in one write (however many
        rate at once): the rating after it. The version moves, so a versioned change made
        meanwhile rereads rather than overwrite the count."""
        saved = self.db[MERCHANTS].find_one_and_update(
            {"_id": merchant_id},
            update_with_events({"$inc": {"rating.count": 1, "rating.total": score,
                                         "version": 1}}, events),
            projection={"rating": 1}, return_document=ReturnDocument.AFTER)
        if saved is not None:
            self.events_written(MERCHANTS)
        return saved

    def page(self, ranges, accept, cursor, limit, descending=True):
        return page_by_key(self.db[MERCHANTS], ranges, cursor, limit, accept=accept,
                           projection=NO_OUTBOX, descending=descending)

    def with_licence_until(self, latest_date):
        """Certified units with some licence valid until ``latest_date`` or earlier (a batch,
        earliest first)."""
        return due(self.db[MERCHANTS], "k_licence", latest_date + "}", projection=NO_OUTBOX)

    def due_for_review(self, counted_before):
        """Certified and warned units last reviewed (or certified) before ``counted_before``
        (a batch, earliest first)."""
        return due(self.db[MERCHANTS], "k_review", counted_before, projection=NO_OUTBOX)

    def due_for_regrade(self, until):
        """Graded units whose periodic regrade is due by ``until`` (a batch, earliest
        first)."""
        return due(self.db[MERCHANTS], "k_regrade", until, projection=NO_OUTBOX)

    def count_by_status(self):
        gauge = self.db[counting.COUNTERS].find_one({"_id": counting.STATUS_GAUGE}) or {}
        return figures_of(gauge)

    # --- search --------------------------------------------------------------------------------

    def search_by_word(self, words, filters, cursor, limit):
        """A page of the public units whose postings hold the rarest of ``words``."""
        counts = self.TERMS.word_counts(self.db, words)
        if min(counts.values()) == 0:
            return [], None
        word_range, accept = search.word_range(search.rarest(counts), filters)
        return page_by_key(self.db[search.TERMS], [word_range], cursor, limit, accept=accept,
                           descending=False, resolve=self._merchants_of_postings)

    def _merchants_of_postings(self, postings):
        ids = [search.unit_of_posting(posting["_id"]) for posting in postings]
        found = {m["_id"]: m for m in self.db[MERCHANTS].find({"_id": {"$in": ids}}, NO_OUTBOX)}
        return [found.get(merchant_id) for merchant_id in ids]

    def nearest(self, lng, lat, radius_m, cursor, limit, accept):
        """A page of the public units within ``radius_m`` of the point, nearest first. Cells
        are read nearest first until no unread cell can hold a unit of the page; past
        ``NEAR_SCAN_BUDGET`` units the page ends with the units no unread cell can precede."""
        limit = clamped(limit)
        after = search.parse_nearness(decode_cursor(cursor)) if cursor else None
        beyond = after[0] if after else 0.0
        best, scanned, settled_up_to = [], 0, None   # (distance, id, unit), nearest first
        for nearest, diagonal, cell in search.cells_nearest_first(lng, lat, radius_m):
            if len(best) > limit and nearest > best[limit][0]:
                break
            if scanned >= NEAR_SCAN_BUDGET and best and best[0][0] <= nearest:
                settled_up_to = nearest
                break
            if nearest + diagonal < beyond:
                continue
            for unit in self.db[MERCHANTS].find(search.cell_range(cell).query(), NO_OUTBOX):
                scanned += 1
                found = self._near_candidate(unit, lng, lat, radius_m, after, accept)
                if found is not None:
                    bisect.insort(best, found, key=lambda item: item[:2])
                    del best[limit + 1:]
        if settled_up_to is not None:
            shown = [item for item in best[:limit] if item[0] <= settled_up_to]
            more = True
        else:
            shown, more = best[:limit], len(best) > limit
        page = [{**unit, "distance_m": round(metres)} for metres, _, unit in shown]
        last = shown[-1] if shown else None
        return page, (encode_cursor(search.nearness_suffix(*last[:2])) if more and last
                      else None)

    @staticmethod
    def _near_candidate(unit, lng, lat, radius_m, after, accept):
        where = unit.get("location") or {}
        # to the millimetre, as the cursor carries it: a unit shown is never after its cursor
        metres = round(search.distance_m(lng, lat, where["lng"], where["lat"]), 3)
        if metres > radius_m or (after and (metres, unit["_id"]) <= after):
            return None
        if accept is not None and not accept(unit):
            return None
        return metres, unit["_id"], unit

    # --- counties and spot-check draws -------------------------------------------------------

    def checkable_counties(self, region_prefix):
        """{county: units a spot check may draw} within ``region_prefix``."""
        found = self.county_counters(region_prefix)
        return {document["_id"].split("|", 1)[1]: document.get("checkable", 0)
                for document in found if document.get("checkable", 0) > 0}

    def county_counters(self, region_prefix):
        """The counter documents of the counties within ``region_prefix``."""
        return self.COUNTERS.read(self.db, [(counting.county_counter(region_prefix), "", None)])

    def first_drawn_from(self, county, place, after_unit=None):
        """The first unit of ``county`` at ``place`` of its random order or after it (or
        right after ``after_unit``), around the end of the order."""
        first = prefix("k_spot", county)
        start = place if after_unit is None else after_unit["k_spot"][len(first):]
        bounds = KeyRange("k_spot", first).query()["k_spot"]
        for low in ({"$gte" if after_unit is None else "$gt": first + start}, {"$gte": first}):
            found = list(self.db[MERCHANTS].find({"k_spot": {**low, "$lt": bounds["$lt"]}},
                                                 NO_OUTBOX).sort("k_spot", 1).limit(1))
            if found:
                return found[0]
        return None

    def redraw(self, merchant, draw):
        """Gives a sampled unit a new place in its county's random order."""
        self.db[MERCHANTS].update_one({"_id": merchant["_id"]}, {"$set": {
            "spot_draw": draw, "k_spot": key("k_spot", merchant["region"], draw,
                                             merchant["_id"])}})

    # --- the licence registry's abnormal list ----------------------------------------------

    def is_abnormal_listed(self, credit_code):
        return self.db[ABNORMAL_LIST].find_one({"_id": credit_code}) is not None

    def set_abnormal_listed(self, credit_code, listed, at):
        if listed:
            self.db[ABNORMAL_LIST].replace_one({"_id": credit_code}, {"_id": credit_code,
                                                                      "at": at}, upsert=True)
        else:
            self.db[ABNORMAL_LIST].delete_one({"_id": credit_code})

    # --- ratings -------------------------------------------------------------------------------

    def last_rating(self, merchant_id, consumer):
        return self.db[RATINGS].find_one({"_id": f"{merchant_id}:{consumer}"})

    def record_rating(self, merchant_id, consumer, previous_at, rating):
        """Records a consumer's rating unless another request recorded one meanwhile."""
        key_id = f"{merchant_id}:{consumer}"
        rating = {**rating, **stamp(rating["at"], key_id)}
        if previous_at is None:
            try:
                self.db[RATINGS].insert_one({"_id": key_id, **rating})
                return True
            except DuplicateKeyError:
                return False
        replaced = self.db[RATINGS].replace_one({"_id": key_id, "at": previous_at},
                                                {"_id": key_id, **rating})
        return replaced.modified_count == 1

    # --- spot checks -------------------------------------------------------------------------

    def insert_spot_checks(self, tasks, events_by_task):
        """Inserts the tasks, skipping those whose id is taken (a proposal made before)."""
        documents = [self.prepared(SPOT_CHECKS, new_document_with_events(
            task, events_by_task[task["_id"]])) for task in tasks]
        if inserted(self.db[SPOT_CHECKS], documents):
            self.events_written(SPOT_CHECKS)

    def get_spot_check(self, task_id):
        return self.db[SPOT_CHECKS].find_one({"_id": task_id}, NO_OUTBOX)

    def complete_spot_check(self, task, fields, events):
        keys = self.KEYS[SPOT_CHECKS]({**task, **fields})
        saved = self.db[SPOT_CHECKS].find_one_and_update(
            {"_id": task["_id"], "status": "assigned"},
            update_with_events({"$set": {**fields, **keys}}, events),
            projection=NO_OUTBOX, return_document=ReturnDocument.AFTER)
        if saved is not None:
            self.events_written(SPOT_CHECKS)
        return saved

    def spot_check_page(self, ranges, cursor, limit):
        return page_by_key(self.db[SPOT_CHECKS], ranges, cursor, limit, projection=NO_OUTBOX)
