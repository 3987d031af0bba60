"""The coupons store (services/coupons/store.py) in memory: the methods the application code
calls, with the same answers, and every event written kept in ``events`` (the outbox)."""
import copy

from services.coupons import units
from services.coupons.store import REQUESTS, SCHEDULE_BATCH
from tests.unit.fakes.collection import FakeCollection


class FakeCouponStore:
    def __init__(self):
        self.campaigns, self.stock, self.holdings = {}, {}, {}
        self.coupons, self.redemptions, self.merchants = {}, {}, {}
        self.budgets = {}  # budget id → fen spent
        self.events = []  # every envelope written, in order
        self.db = {REQUESTS: FakeCollection()}  # IdempotentRequests' records

    def events_of(self, event_type):
        return [e["data"] for e in self.events if e["type"] == event_type]

    # --- campaigns -----------------------------------------------------------------------------

    def insert_campaign(self, campaign, events):
        self.campaigns[campaign["_id"]] = copy.deepcopy(campaign)
        self.events += events

    def campaign(self, campaign_id):
        return copy.deepcopy(self.campaigns.get(campaign_id))

    def campaigns_in(self, statuses):
        return [copy.deepcopy(c) for c in self.campaigns.values() if c["status"] in statuses]

    def closed_since(self, since):
        return [copy.deepcopy(c) for c in self.campaigns.values()
                if c["status"] in ("ended", "cancelled") and c["updated_at"] >= since]

    def save_versioned(self, collection, document, fields, events):
        stored = self.campaigns.get(document["_id"])
        if stored is None or stored["version"] != document["version"]:
            return None
        self.campaigns[document["_id"]] = {**copy.deepcopy(document), **fields,
                                           "version": document["version"] + 1}
        self.events += events
        return self.campaign(document["_id"])

    # --- stock and holdings --------------------------------------------------------------------

    def create_stock(self, campaign_id, total, shards, prize_tiers):
        share, extra = divmod(total, shards)
        for n in range(shards):
            self.stock[f"{campaign_id}:{n}"] = {"campaign_id": campaign_id, "kind": "draws",
                                                "remaining": share + (n < extra), "taken": 0}
        for tier in prize_tiers:
            self.stock[f"{campaign_id}:prize:{tier['name']}"] = {
                "campaign_id": campaign_id, "kind": "prize", "remaining": tier["quantity"],
                "taken": 0}

    def release_tranche(self, campaign_id, index, quantity, shards):
        share, extra = divmod(quantity, shards)
        for n in range(shards):
            counter = self.stock[f"{campaign_id}:{n}"]
            if index not in counter.setdefault("released", set()):
                counter["released"].add(index)
                counter["remaining"] += share + (n < extra)

    def take_stock(self, campaign_id, shards, count=1):
        taken = []
        for n in range(shards):
            while len(taken) < count and self._take_one(f"{campaign_id}:{n}", taken):
                pass
        return taken

    def take_prize(self, campaign_id, tier_name):
        taken = []
        self._take_one(f"{campaign_id}:prize:{tier_name}", taken)
        return taken[0] if taken else None

    def _take_one(self, counter_id, taken):
        counter = self.stock[counter_id]
        if counter["remaining"] <= 0:
            return False
        counter["remaining"] -= 1
        counter["taken"] += 1
        taken.append((counter_id, counter["taken"]))
        return True

    def remaining(self, campaign_id):
        draws, prizes = 0, {}
        for counter_id, counter in self.stock.items():
            if counter["campaign_id"] != campaign_id:
                continue
            if counter["kind"] == "prize":
                prizes[counter_id.rsplit(":", 1)[1]] = counter["remaining"]
            else:
                draws += counter["remaining"]
        return draws, prizes

    def draws_remaining(self, campaign_ids):
        return {campaign_id: self.remaining(campaign_id)[0] for campaign_id in campaign_ids}

    def take_holdings(self, campaign_id, consumers, limit):
        counted = []
        for consumer in consumers:
            key = f"{campaign_id}:{consumer}"
            counted.append(self.holdings.get(key, 0) < limit)
            if counted[-1]:
                self.holdings[key] = self.holdings.get(key, 0) + 1
        return counted

    def give_back_holdings(self, campaign_id, consumers):
        for consumer in consumers:
            self.holdings[f"{campaign_id}:{consumer}"] -= 1

    # --- money budgets -------------------------------------------------------------------------

    def create_budget(self, campaign_id):
        self.budgets[campaign_id] = 0

    def spend(self, campaign, budget, merchant_id, day, amount):
        cap = campaign.get("merchant_daily_cap_fen")
        cap_id = f"{campaign['_id']}|{merchant_id}|{day}"
        if budget is not None and self.budgets[campaign["_id"]] + amount > budget:
            return "BUDGET_EXHAUSTED"
        if cap is not None and self.budgets.get(cap_id, 0) + amount > cap:
            return "MERCHANT_CAP_REACHED"
        if budget is not None:
            self.budgets[campaign["_id"]] += amount
        if cap is not None:
            self.budgets[cap_id] = self.budgets.get(cap_id, 0) + amount
        return None

    def give_back(self, campaign, merchant_id, day, amount):
        if campaign.get("budget_fen") is not None:
            self.budgets[campaign["_id"]] -= amount
        if campaign.get("merchant_daily_cap_fen") is not None:
            self.budgets[f"{campaign['_id']}|{merchant_id}|{day}"] -= amount

    def budget_spent(self, campaign_id):
        return self.budgets.get(campaign_id)

    def budgets_spent(self, campaign_ids):
        return {c: self.budgets[c] for c in campaign_ids if c in self.budgets}

    # --- coupons and redemptions ---------------------------------------------------------------

    def insert_coupons(self, records):
        inserted = []
        for document, events, _request_id in records:
            inserted.append(document["_id"] not in self.coupons)
            if inserted[-1]:
                self.coupons[document["_id"]] = copy.deepcopy(document)
                self.events += events
        return inserted

    def coupon_by_code(self, code):
        return next((copy.deepcopy(c) for c in self.coupons.values()
                     if c["code"] == code and c["status"] in units.ISSUED_STATUSES), None)

    def coupon(self, coupon_id):
        return copy.deepcopy(self.coupons.get(coupon_id))

    def coupons_of(self, consumer, cursor, limit):
        mine = sorted((c for c in self.coupons.values() if c.get("consumer") == consumer),
                      key=lambda c: c["claimed_at"], reverse=True)
        return copy.deepcopy(mine[:limit]), None

    def mark_coupon(self, coupon, expected_status, fields, events=()):
        stored = self.coupons.get(coupon["_id"])
        if stored is None or stored["status"] != expected_status:
            return None
        stored.update(copy.deepcopy(fields))
        self.events += events
        return copy.deepcopy(stored)

    def coupons_expired_by(self, now):
        return self._due(lambda c: c["expires_at"] <= now)

    def coupons_expiring_by(self, until):
        return self._due(lambda c: not c["expiring_notified_at"] and c["expires_at"] <= until)

    def _due(self, is_due):
        active = sorted((c for c in self.coupons.values() if c["status"] == "active"),
                        key=lambda c: c["expires_at"])
        return copy.deepcopy([c for c in active if is_due(c)][:SCHEDULE_BATCH])

    def insert_redemption(self, redemption, events):
        self.redemptions[redemption["_id"]] = copy.deepcopy(redemption)
        self.events += events

    def redemption(self, redemption_id):
        return copy.deepcopy(self.redemptions.get(redemption_id))

    def mark_redemption(self, redemption_id, expected_status, fields, events):
        stored = self.redemptions.get(redemption_id)
        if stored is None or stored["status"] != expected_status:
            return None
        stored.update(fields)
        self.events += events
        return copy.deepcopy(stored)

    # --- the copy of the registry's standings --------------------------------------------------

    def merchant(self, merchant_id):
        return copy.deepcopy(self.merchants.get(merchant_id))

    def remember_merchant(self, standing, as_of):
        known = self.merchants.get(standing["merchant_id"])
        if known is None or known["as_of"] <= as_of:
            self.merchants[standing["merchant_id"]] = {"_id": standing["merchant_id"],
                                                       **standing, "as_of": as_of}
