"""The coupons service's collections and queries. Stock lives in counter documents apart from
the campaign, optionally split in shards, so that claims do not all queue on one document."""
import random

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError

from plumbing.mongo import BaseStore, refused_as_duplicates
from plumbing.outbox import update_with_events
from plumbing.pagination import newest_first
from services.coupons import units

CAMPAIGNS = "campaigns"
STOCK = "stock"
HOLDINGS = "holdings"
COUPONS = "coupons"
REDEMPTIONS = "redemptions"
MERCHANTS = "merchants"
REQUESTS = "idempotent_requests"
NO_OUTBOX = {"outbox": 0}
ISSUED = list(units.ISSUED_STATUSES)


class CouponsStore(BaseStore):
    INDEXES = {
        CAMPAIGNS: [IndexModel([("status", ASCENDING), ("created_at", DESCENDING)])],
        STOCK: [IndexModel([("campaign_id", ASCENDING)])],
        COUPONS: [
            IndexModel([("code", ASCENDING)], unique=True),
            IndexModel([("consumer", ASCENDING), ("claimed_at", DESCENDING)]),
            IndexModel([("campaign_id", ASCENDING)]),
            IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)]),
            IndexModel([(f"{units.DRAW}_counter", ASCENDING), (f"{units.DRAW}_seq", ASCENDING)]),
            IndexModel([(f"{units.PRIZE}_counter", ASCENDING),
                        (f"{units.PRIZE}_seq", ASCENDING)]),
        ],
        REDEMPTIONS: [IndexModel([("campaign_id", ASCENDING)])],
    }
    OUTBOX_COLLECTIONS = (CAMPAIGNS, COUPONS, REDEMPTIONS)

    # --- campaigns -----------------------------------------------------------------------------

    def insert_campaign(self, campaign, events):
        self.insert_with_events(CAMPAIGNS, campaign, events)

    def campaign(self, campaign_id):
        return self.db[CAMPAIGNS].find_one({"_id": campaign_id}, NO_OUTBOX)

    def campaigns_in(self, statuses):
        return list(self.db[CAMPAIGNS].find({"status": {"$in": list(statuses)}}, NO_OUTBOX))


    # --- stock ---------------------------------------------------------------------------------

    def create_stock(self, campaign_id, total, shards, prize_tiers):
        share, extra = divmod(total, shards)
        counters = [{"_id": f"{campaign_id}:{n}", "campaign_id": campaign_id, "kind": "draws",
                     "remaining": share + (1 if n < extra else 0), "taken": 0,
                     "accounted_upto": 0} for n in range(shards)]
        counters += [{"_id": f"{campaign_id}:prize:{tier['name']}", "campaign_id": campaign_id,
                      "kind": "prize", "remaining": tier["quantity"], "taken": 0,
                      "accounted_upto": 0} for tier in prize_tiers]
        self.db[STOCK].insert_many(counters)

    def take_stock(self, campaign_id, shards, count=1):
        """Takes up to ``count`` units from shards with stock left: the units
        ``(counter_id, seq)``, fewer than ``count`` (none) when the shards run out."""
        order = list(range(shards))
        random.shuffle(order)
        units = []
        for n in order:
            units += self._take_up_to(f"{campaign_id}:{n}", count - len(units))
            if len(units) == count:
                break
        return units

    def take_prize(self, campaign_id, tier_name):
        units = self._take(f"{campaign_id}:prize:{tier_name}", 1)
        return units[0] if units else None

    def _take_up_to(self, counter_id, count):
        """All ``count`` units in one write when the counter has them, else what it has left."""
        units = []
        while len(units) < count:
            wanted = count - len(units)
            taken = self._take(counter_id, wanted)
            if taken is None:
                left = self.db[STOCK].find_one({"_id": counter_id}, {"remaining": 1})
                if left is None or left["remaining"] <= 0:
                    break
                taken = self._take(counter_id, min(wanted, left["remaining"])) or []
            units += taken
        return units

    def _take(self, counter_id, count):
        """``count`` units taken in one conditional write, or None if fewer are left."""
        counter = self.db[STOCK].find_one_and_update(
            {"_id": counter_id, "remaining": {"$gte": count}},
            {"$inc": {"remaining": -count, "taken": count}}, projection={"taken": 1},
            return_document=ReturnDocument.AFTER)
        if counter is None:
            return None
        return [(counter_id, seq) for seq in range(counter["taken"] - count + 1,
                                                   counter["taken"] + 1)]

    def remaining(self, campaign_id):
        counters = self.db[STOCK].find({"campaign_id": campaign_id}, {"kind": 1, "remaining": 1,
                                                                       "_id": 1})
        draws, prizes = 0, {}
        for counter in counters:
            if counter.get("kind") == "prize":
                prizes[counter["_id"].rsplit(":", 1)[1]] = counter["remaining"]
            else:
                draws += counter["remaining"]
        return draws, prizes

    # --- per-consumer limits ------------------------------------------------------------------

    def take_holdings(self, campaign_id, consumers, limit):
        """Counts one more claim for each consumer (a consumer may come more than once) unless
        it would pass ``limit``, in one round trip: for each, whether it was counted."""
        if not consumers:
            return []
        writes = [UpdateOne({"_id": _holding(campaign_id, c), "count": {"$lt": limit}},
                            {"$inc": {"count": 1}}, upsert=True) for c in consumers]
        try:
            self.db[HOLDINGS].bulk_write(writes, ordered=False)
            return [True] * len(consumers)
        except BulkWriteError as exc:
            # the upsert met an existing holding at the limit, or (limit > 1) a holding another
            # claim created at the same moment, which a plain update settles
            refused = refused_as_duplicates(exc)
        return [i not in refused or (limit > 1 and self._count_one_more(
            campaign_id, consumer, limit)) for i, consumer in enumerate(consumers)]

    def _count_one_more(self, campaign_id, consumer, limit):
        return self.db[HOLDINGS].update_one(
            {"_id": _holding(campaign_id, consumer), "count": {"$lt": limit}},
            {"$inc": {"count": 1}}).modified_count == 1

    def give_back_holdings(self, campaign_id, consumers):
        if consumers:
            self.db[HOLDINGS].bulk_write([
                UpdateOne({"_id": _holding(campaign_id, c)}, {"$inc": {"count": -1}})
                for c in consumers], ordered=False)

    # --- coupons and redemptions --------------------------------------------------------------

    def insert_coupons(self, records):
        """Records each ``(coupon or no_prize record, events, request_id)`` in one round trip;
        for each, False when its unit was voided first (the claim took longer than the
        reconciler's grace period)."""
        return self.insert_many_with_events(COUPONS, records)

    def insert_void(self, void):
        """False when the unit's claim recorded it first."""
        return self.insert_many_with_events(COUPONS, [(void, [], None)])[0]

    def coupon_by_code(self, code):
        return self.db[COUPONS].find_one({"code": code, "status": {"$in": ISSUED}}, NO_OUTBOX)

    def coupons_of(self, consumer, cursor, limit):
        return newest_first(self.db[COUPONS], {"consumer": consumer}, "claimed_at", cursor,
                            limit, NO_OUTBOX)

    def mark_coupon(self, coupon_id, expected_status, fields, events=()):
        """Moves a coupon on only from ``expected_status``: one till wins a race."""
        saved = self.db[COUPONS].find_one_and_update(
            {"_id": coupon_id, "status": expected_status},
            update_with_events({"$set": fields}, list(events)), projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER)
        if saved is not None and events:
            self.events_written(COUPONS)
        return saved

    def issued_in(self, campaign_id):
        """The campaign's coupons, with what the figures need."""
        return self.db[COUPONS].find({"campaign_id": campaign_id, "status": {"$in": ISSUED}},
                                     {"status": 1, "redemption": 1})

    def coupons_to_watch(self, until):
        return list(self.db[COUPONS].find({"status": "active",
                                           "expires_at": {"$lte": until}}, NO_OUTBOX))

    def insert_redemption(self, redemption, events):
        self.insert_with_events(REDEMPTIONS, redemption, events)

    def redemption(self, redemption_id):
        return self.db[REDEMPTIONS].find_one({"_id": redemption_id}, NO_OUTBOX)

    def mark_redemption(self, redemption_id, expected_status, fields, events):
        saved = self.db[REDEMPTIONS].find_one_and_update(
            {"_id": redemption_id, "status": expected_status},
            update_with_events({"$set": fields}, events), projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER)
        if saved is not None:
            self.events_written(REDEMPTIONS)
        return saved


    # --- units of stock lost between their take and their record (services/coupons/units.py) --

    def counters_with_unaccounted_units(self):
        counters = self.db[STOCK].find({}, {"kind": 1, "campaign_id": 1, "taken": 1,
                                            "accounted_upto": 1})
        return [c for c in counters if c.get("taken", 0) > c.get("accounted_upto", 0)]

    def accounted_seqs(self, counter, above):
        prefix = units.PRIZE if counter.get("kind") == "prize" else units.DRAW
        found = self.db[COUPONS].find({f"{prefix}_counter": counter["_id"],
                                       f"{prefix}_seq": {"$gt": above}}, {f"{prefix}_seq": 1})
        return {document[f"{prefix}_seq"] for document in found}

    def mark_accounted_upto(self, counter_id, seq):
        self.db[STOCK].update_one({"_id": counter_id}, {"$set": {"accounted_upto": seq}})

    def unreturned_voids(self):
        return list(self.db[COUPONS].find({"status": units.VOID, "return": "pending"}))

    def return_unit(self, void):
        """Gives the voided unit back to its counter, once however often this runs."""
        prefix = units.PRIZE if f"{units.PRIZE}_counter" in void else units.DRAW
        counter_id, seq = void[f"{prefix}_counter"], void[f"{prefix}_seq"]
        self.db[STOCK].update_one({"_id": counter_id, f"returned.{seq}": {"$exists": False}},
                                  {"$inc": {"remaining": 1}, "$set": {f"returned.{seq}": True}})
        self.db[COUPONS].update_one({"_id": void["_id"]}, {"$set": {"return": "done"}})

    # --- the copy of the registry's standings -------------------------------------------------

    def merchant(self, merchant_id):
        return self.db[MERCHANTS].find_one({"_id": merchant_id})

    def remember_merchant(self, standing, as_of):
        """Keeps the newest word on a merchant: an older event never overwrites a newer one."""
        document = {"_id": standing["merchant_id"], **standing, "as_of": as_of}
        try:
            self.db[MERCHANTS].insert_one(document)
        except DuplicateKeyError:
            self.db[MERCHANTS].replace_one({"_id": document["_id"], "as_of": {"$lte": as_of}},
                                           document)


def _holding(campaign_id, consumer):
    return f"{campaign_id}:{consumer}"
