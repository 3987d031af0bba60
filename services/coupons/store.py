"""The coupons service's collections and queries. Stock lives in counter documents apart from
the campaign, optionally split in shards, so that claims do not all queue on one document."""
import random

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from plumbing.mongo import BaseStore
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

    def take_stock(self, campaign_id, shards):
        """Takes one unit from a shard with stock left: the unit ``(counter_id, seq)``, or None
        when every shard is empty."""
        order = list(range(shards))
        random.shuffle(order)
        for n in order:
            unit = self._take(f"{campaign_id}:{n}")
            if unit is not None:
                return unit
        return None

    def take_prize(self, campaign_id, tier_name):
        return self._take(f"{campaign_id}:prize:{tier_name}")

    def _take(self, counter_id):
        counter = self.db[STOCK].find_one_and_update(
            {"_id": counter_id, "remaining": {"$gt": 0}},
            {"$inc": {"remaining": -1, "taken": 1}}, projection={"taken": 1},
            return_document=ReturnDocument.AFTER)
        return None if counter is None else (counter_id, counter["taken"])

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

    def take_holding(self, campaign_id, consumer, limit):
        """Counts one more claim for the consumer unless it would pass ``limit``."""
        try:
            return self.db[HOLDINGS].find_one_and_update(
                {"_id": f"{campaign_id}:{consumer}", "count": {"$lt": limit}},
                {"$inc": {"count": 1}}, upsert=True, projection={"_id": 1},
                return_document=ReturnDocument.AFTER) is not None
        except DuplicateKeyError:  # MongoDB: the upsert met a holding already at the limit
            return False

    def give_back_holding(self, campaign_id, consumer):
        self.db[HOLDINGS].update_one({"_id": f"{campaign_id}:{consumer}"},
                                     {"$inc": {"count": -1}})

    # --- coupons and redemptions --------------------------------------------------------------

    def insert_coupon(self, coupon, events=()):
        """Records the coupon (or a ``no_prize`` record); False when its unit was voided
        first (the claim took longer than the reconciler's grace period)."""
        try:
            self.insert_with_events(COUPONS, coupon, list(events))
            return True
        except DuplicateKeyError:
            return False

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
            self.events_written()
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
            self.events_written()
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
