"""The coupons service's collections and queries. Stock lives in counter documents apart from
the campaign, optionally split in shards, so that claims do not all queue on one document."""
import random

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from plumbing.derived import Counters, Derived
from plumbing.idempotency import IDEMPOTENT_REQUESTS
from plumbing.keys import prefix
from plumbing.mongo import BaseStore, count_up_to, inserted, key_indexes
from plumbing.outbox import NO_OUTBOX, update_with_events
from plumbing.pagination import DUE_BATCH, KeyRange, due, page_by_key
from services.coupons import cash_out, listing, units

CAMPAIGNS = "campaigns"
STOCK = "stock"
HOLDINGS = "holdings"
COUPONS = "coupons"
REDEMPTIONS = "redemptions"
MERCHANTS = "merchants"
SIGNUPS = "signups"
BUDGETS = "budgets"
HOLDS = "cash_out_holds"
CHECKED = "cash_out_checked"  # per campaign: the redemptions its last cash-out check saw
SIGNUP_PAGE = 5000
REQUESTS = IDEMPOTENT_REQUESTS.collection
ISSUED = list(units.ISSUED_STATUSES)
SCHEDULE_BATCH = DUE_BATCH


class CouponsStore(BaseStore):
    INDEXES = {
        CAMPAIGNS: key_indexes(*listing.CAMPAIGN_KEY_FIELDS),
        STOCK: [IndexModel([("campaign_id", ASCENDING)])],
        COUPONS: [
            IndexModel([("code", ASCENDING)], unique=True),
            *key_indexes(*listing.COUPON_KEY_FIELDS),
        ],
        REDEMPTIONS: [IndexModel([("campaign_id", ASCENDING)])],
        SIGNUPS: key_indexes(*listing.SIGNUP_KEY_FIELDS),
        HOLDS: key_indexes("k_hold"),
    }
    MONGODB_INDEXES = {COUPONS: [IndexModel([("campaign_id", ASCENDING),
                                              ("status", ASCENDING)]),
                                 IndexModel([("consumer", ASCENDING), ("claimed_at",
                                                                        DESCENDING)])]}
    OUTBOX_COLLECTIONS = (CAMPAIGNS, COUPONS, REDEMPTIONS, HOLDS)
    KEYS = {CAMPAIGNS: listing.campaign_keys, COUPONS: listing.coupon_keys,
            SIGNUPS: listing.signup_keys, HOLDS: listing.hold_keys}
    COUNTERS = Counters(listing.COUNTERS, listing.contribution)
    DERIVED = {COUPONS: Derived(listing.snapshot, COUNTERS)}
    RETENTION = (IDEMPOTENT_REQUESTS,)

    # --- campaigns -----------------------------------------------------------------------------

    def insert_campaign(self, campaign, events):
        self.insert_with_events(CAMPAIGNS, campaign, events)

    def campaign(self, campaign_id):
        return self.db[CAMPAIGNS].find_one({"_id": campaign_id}, NO_OUTBOX)

    def campaigns_in(self, statuses):
        """Campaigns in ``statuses`` (the few that are live: scheduled, active, paused)."""
        return [campaign for key_range in listing.status_ranges(statuses)
                for campaign in self.db[CAMPAIGNS].find(key_range.query(), NO_OUTBOX)]

    def campaign_page(self, statuses, accept, cursor, limit):
        return page_by_key(self.db[CAMPAIGNS], listing.status_ranges(statuses), cursor, limit,
                           accept=accept, projection=NO_OUTBOX)

    def closed_since(self, since):
        """Campaigns ended or cancelled since ``since``."""
        recent = KeyRange("k_closed", prefix("k_closed"), since)
        return list(self.db[CAMPAIGNS].find(recent.query(), NO_OUTBOX))

    def ballots_due(self, now):
        """Activated ballots whose draw time has come and whose coupons are not all out."""
        return due(self.db[CAMPAIGNS], "k_draw", now, projection=NO_OUTBOX)

    # --- a ballot's sign-ups --------------------------------------------------------------------

    def insert_signups(self, documents):
        """Stores each sign-up in one round trip unless its consumer signed up before: for
        each, (the sign-up stored, whether it is this one)."""
        new = set(inserted(self.db[SIGNUPS], [self.prepared(SIGNUPS, d) for d in documents]))
        return [(document, True) if i in new else (self.signup(document["_id"]), False)
                for i, document in enumerate(documents)]

    def signup(self, document_id):
        return self.db[SIGNUPS].find_one({"_id": document_id})

    def mark_won(self, signup_document_ids, k):
        """Marks sign-ups as chosen by draw ``k`` (no later draw takes them)."""
        if signup_document_ids:
            self.db[SIGNUPS].update_many({"_id": {"$in": signup_document_ids}},
                                         {"$set": {"won_in": k}})

    def signup_page(self, campaign_id, cursor=None, limit=SIGNUP_PAGE):
        """A page of a ballot's sign-ups in sign-up id order: (sign-ups, next cursor)."""
        return page_by_key(self.db[SIGNUPS], [listing.signups_of(campaign_id)], cursor, limit,
                           descending=False, max_limit=SIGNUP_PAGE)

    def signups_in_order(self, campaign_id):
        """Every sign-up of a ballot in sign-up id order, read a page at a time."""
        cursor = None
        while True:
            page, cursor = self.signup_page(campaign_id, cursor)
            yield from page
            if cursor is None:
                return

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

    def release_tranche(self, campaign_id, index, quantity, shards):
        """Adds tranche ``index``'s units to the campaign's shards, once each however often
        (and in however many replicas) this runs."""
        share, extra = divmod(quantity, shards)
        for n in range(shards):
            self.db[STOCK].update_one(
                {"_id": f"{campaign_id}:{n}", f"released.{index}": {"$exists": False}},
                {"$inc": {"remaining": share + (1 if n < extra else 0)},
                 "$set": {f"released.{index}": True}})

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

    def draws_remaining(self, campaign_ids):
        """{campaign id: its units of stock left, prizes apart} of many campaigns, in one
        round trip."""
        left = dict.fromkeys(campaign_ids, 0)
        for counter in self.db[STOCK].find({"campaign_id": {"$in": list(campaign_ids)}},
                                           {"kind": 1, "remaining": 1, "campaign_id": 1}):
            if counter.get("kind") != "prize":
                left[counter["campaign_id"]] += counter["remaining"]
        return left

    # --- money budgets: the campaign's, and each merchant's per day ----------------------------

    def create_budget(self, campaign_id):
        self.db[BUDGETS].insert_one({"_id": campaign_id, "spent_fen": 0})

    def spend(self, campaign, budget, merchant_id, day, amount):
        """Takes ``amount`` fen from the campaign's ``budget`` (the fen released to it, or
        None) and from the merchant's cap of ``day``, both or neither, never past either
        however many tills take at once: None, or the code of the one that cannot pay it."""
        cap = campaign.get("merchant_daily_cap_fen")
        if budget is not None and not self._take_fen(campaign["_id"], budget, amount,
                                                     upsert=False):
            return "BUDGET_EXHAUSTED"
        if cap is not None and not self._take_fen(_cap_id(campaign["_id"], merchant_id, day),
                                                  cap, amount, upsert=True):
            if budget is not None:
                self._give_fen(campaign["_id"], amount)
            return "MERCHANT_CAP_REACHED"
        return None

    def give_back(self, campaign, merchant_id, day, amount):
        """Returns what ``spend`` took (a redemption that lost its race, or was rolled back)."""
        if campaign.get("budget_fen") is not None:
            self._give_fen(campaign["_id"], amount)
        if campaign.get("merchant_daily_cap_fen") is not None:
            self._give_fen(_cap_id(campaign["_id"], merchant_id, day), amount)

    def budget_spent(self, campaign_id):
        return self.budgets_spent([campaign_id]).get(campaign_id)

    def budgets_spent(self, campaign_ids):
        """{campaign id: fen its budget has paid or holds} of many campaigns."""
        return {b["_id"]: b["spent_fen"] for b in self.db[BUDGETS].find(
            {"_id": {"$in": list(campaign_ids)}}, {"spent_fen": 1})}

    def _take_fen(self, budget_id, most, amount, upsert):
        if amount > most:
            return False
        try:
            taken = self.db[BUDGETS].update_one(
                {"_id": budget_id, "spent_fen": {"$lte": most - amount}},
                {"$inc": {"spent_fen": amount}}, upsert=upsert)
        except DuplicateKeyError:  # it exists, and holds too much to take this
            return False
        return taken.matched_count == 1 or taken.upserted_id is not None

    def _give_fen(self, budget_id, amount):
        self.db[BUDGETS].update_one({"_id": budget_id}, {"$inc": {"spent_fen": -amount}})

    # --- per-consumer limits ------------------------------------------------------------------

    def take_holdings(self, campaign_id, consumers, limit):
        """Counts one more claim for each consumer (a consumer may come more than once) unless
        it would pass ``limit``, in one round trip: for each, whether it was counted."""
        return count_up_to(self.db[HOLDINGS], [_holding(campaign_id, c) for c in consumers],
                           limit)

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

    def coupon(self, coupon_id):
        return self.db[COUPONS].find_one({"_id": coupon_id}, NO_OUTBOX)

    def coupons_of(self, consumer, cursor, limit):
        return page_by_key(self.db[COUPONS], [KeyRange("k_consumer", prefix("k_consumer",
                                                                             consumer))],
                           cursor, limit, projection=NO_OUTBOX)

    def mark_coupon(self, coupon, expected_status, fields, events=()):
        """Moves a coupon on only from ``expected_status``: one till wins a race."""
        return self.update_where(COUPONS, coupon, {"status": expected_status}, fields, events)

    def counted(self, campaign_ids, figure):
        """{campaign id: its ``figure`` so far (issued, redeemed)} of many campaigns, in one
        round trip."""
        counters = {listing.campaign_counter(c): c for c in campaign_ids}
        found = self.db[listing.COUNTERS].find({"_id": {"$in": list(counters)}}, {figure: 1})
        return {counters[c["_id"]]: c.get(figure, 0) for c in found}

    def checked_counts(self, campaign_ids):
        """{campaign id: the redemptions its last cash-out check saw}."""
        return {c["_id"]: c["redeemed"] for c in self.db[CHECKED].find(
            {"_id": {"$in": list(campaign_ids)}})}

    def mark_checked(self, campaign_id, redeemed):
        self.db[CHECKED].update_one({"_id": campaign_id}, {"$set": {"redeemed": redeemed}},
                                    upsert=True)

    def campaign_totals(self, campaign_id):
        found = self.db[listing.COUNTERS].find_one({"_id": listing.campaign_counter(
            campaign_id)}) or {}
        return {name: found.get(name, 0) for name in ("issued", "redeemed", "order_fen",
                                                       "discount_fen")}

    def merchant_rows(self, campaign_id, cursor, limit, least=1, named=True,
                      figures=listing.ROW_FIGURES, day=None):
        """A page of a campaign's per-merchant redemption figures (of merchants with ``least``
        redemptions or more; of one ``day`` when given), in merchant order, with the
        merchants' names when ``named``: (rows, next cursor)."""
        first = listing.merchant_rows(campaign_id) if day is None else listing.day_rows(
            campaign_id, day)
        counters, next_cursor = page_by_key(
            self.db[listing.COUNTERS], [KeyRange("k", first)], cursor, limit, descending=False,
            accept=lambda counter: counter.get("redemptions", 0) >= least,
            max_limit=limit)  # its callers bound their pages
        ids = [counter["k"][len(first):] for counter in counters]
        names = {m["_id"]: m.get("name", "") for m in self.db[MERCHANTS].find(
            {"_id": {"$in": ids}}, {"name": 1})} if named else {}
        rows = [{"merchant_id": merchant_id, "merchant_name": names.get(merchant_id, ""),
                 **{name: counter.get(name, 0) for name in figures}}
                for merchant_id, counter in zip(ids, counters)]
        return rows, next_cursor

    def day_totals(self, campaign_id, day, merchant_id=None):
        """A campaign's redemptions, order value and discounts of one day (of one merchant's
        when given)."""
        counter = listing.day_counter(campaign_id, day) if merchant_id is None else \
            listing.day_rows(campaign_id, day) + merchant_id
        found = self.db[listing.COUNTERS].find_one({"_id": counter}) or {}
        return {name: found.get(name, 0) for name in listing.ROW_FIGURES}

    def pair_counts(self, merchant_id):
        """How often each consumer redeemed at the merchant (listing.pair_counter)."""
        pairs = KeyRange("k", listing.pairs_of(merchant_id))
        return [c.get("n", 0) for c in self.db[listing.COUNTERS].find(pairs.query(), {"n": 1})]

    # --- cash-out holds ---------------------------------------------------------------------

    def insert_hold(self, hold, events):
        """False when the merchant's settlement of the campaign was held before."""
        return self.insert_many_with_events(HOLDS, [(hold, events, None)])[0]

    def hold(self, campaign_id, merchant_id):
        return self.db[HOLDS].find_one({"_id": cash_out.hold_id(campaign_id, merchant_id)},
                                       NO_OUTBOX)

    def holds_of(self, campaign_id):
        """{merchant id: hold} of a campaign (a few: the merchants whose signals crossed)."""
        found = KeyRange("k_hold", prefix("k_hold", campaign_id))
        return {h["merchant_id"]: h for h in self.db[HOLDS].find(found.query(), NO_OUTBOX)}

    def release_hold(self, hold, fields, events):
        """Releases a hold still held: the hold after, or None."""
        return self.update_where(HOLDS, hold, {"status": cash_out.HOLD}, fields, events)

    def coupons_expired_by(self, now):
        """Active coupons whose expiry has passed (a batch, earliest first)."""
        return due(self.db[COUPONS], "k_expiry", now, projection=NO_OUTBOX)

    def coupons_expiring_by(self, until):
        """Active coupons not yet warned that expire by ``until`` (a batch, earliest first)."""
        return due(self.db[COUPONS], "k_expiring", until, projection=NO_OUTBOX)

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

    def counters_with_unaccounted_units(self, campaign_ids):
        """The stock counters of these campaigns with units taken above their watermark."""
        counters = [counter for campaign_id in campaign_ids
                    for counter in self.db[STOCK].find({"campaign_id": campaign_id}, {
                        "kind": 1, "campaign_id": 1, "taken": 1, "accounted_upto": 1})]
        return [c for c in counters if c.get("taken", 0) > c.get("accounted_upto", 0)]

    def accounted_seqs(self, counter, above):
        kind = units.PRIZE if counter.get("kind") == "prize" else units.DRAW
        found = self.db[COUPONS].find(listing.units_after(kind, counter["_id"], above).query(),
                                      {f"{kind}_seq": 1})
        return {document[f"{kind}_seq"] for document in found}

    def mark_accounted_upto(self, counter_id, seq):
        self.db[STOCK].update_one({"_id": counter_id}, {"$set": {"accounted_upto": seq}})

    def unreturned_voids(self):
        return list(self.db[COUPONS].find(KeyRange("k_void", prefix("k_void")).query()))

    def return_unit(self, void):
        """Gives the voided unit back to its counter, once however often (and in however many
        replicas) this runs: whether this call gave it back."""
        kind = units.PRIZE if f"{units.PRIZE}_counter" in void else units.DRAW
        counter_id, seq = void[f"{kind}_counter"], void[f"{kind}_seq"]
        given = self.db[STOCK].update_one(
            {"_id": counter_id, f"returned.{seq}": {"$exists": False}},
            {"$inc": {"remaining": 1}, "$set": {f"returned.{seq}": True}}).modified_count == 1
        self.db[COUPONS].update_one({"_id": void["_id"]}, {"$set": {"return": "done"},
                                                           "$unset": {"k_void": ""}})
        return given

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


def _cap_id(campaign_id, merchant_id, day):
    return f"{campaign_id}|{merchant_id}|{day}"


def _holding(campaign_id, consumer):
    return f"{campaign_id}:{consumer}"
