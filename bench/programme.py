"""A province's programme, made up in bulk for ``make bench-scale``: units over every city and
county and industry, a year of complaints in every state, consumers with preferences and inbox
messages, a fully claimed voucher campaign and a lucky draw. Every document is built by the
services' own domain code and stored through their own store code (keys and derived data
included), in large batches, not through the API. Deterministic for a seed."""
import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from contracts.catalogue import FOOD_INDUSTRIES, INDUSTRIES, STANDARD, UNIT_TYPES
from contracts.credit_code import check_character
from plumbing.actors import Actor
from plumbing.clock import to_rfc3339
from services.complaints import deadlines, lifecycle
from services.complaints.settings import load_settings as complaint_settings
from services.coupons import rules, units
from services.notifications import domain as notifications
from services.notifications import listing as notification_listing
from services.registry import certification, domain

# Zhejiang's eleven cities (centre lng, lat) and their counties' last digits
CITIES = {
    "01": ((120.16, 30.27), ["02", "05", "06", "08", "09", "10", "11", "12", "13", "14", "22",
                             "27", "82"]),
    "02": ((121.55, 29.87), ["03", "05", "06", "11", "12", "13", "25", "26", "81", "82"]),
    "03": ((120.70, 28.00), ["02", "03", "04", "05", "24", "26", "27", "28", "29", "81", "82"]),
    "04": ((120.76, 30.75), ["02", "11", "21", "24", "81", "82", "83"]),
    "05": ((120.09, 30.89), ["02", "03", "21", "22", "23"]),
    "06": ((120.58, 30.03), ["02", "03", "04", "24", "81", "83"]),
    "07": ((119.65, 29.08), ["02", "03", "23", "26", "27", "81", "82", "83", "84"]),
    "08": ((118.87, 28.94), ["02", "03", "22", "24", "25", "81"]),
    "09": ((122.21, 29.99), ["02", "03", "21", "22"]),
    "10": ((121.42, 28.66), ["02", "03", "04", "22", "23", "24", "81", "82", "83"]),
    "11": ((119.92, 28.45), ["02", "21", "22", "23", "24", "25", "26", "27", "81"]),
}
PROVINCE = "33"
ROADS = ["延安", "解放", "中山", "人民", "文三", "湖滨", "凤起", "庆春", "建国", "环城", "钱江",
         "天目", "西溪", "学院", "东新", "滨江", "望江", "朝晖", "古荡", "留下"]
SURNAMES = ["张", "王", "李", "赵", "陈", "刘", "杨", "黄", "吴", "周", "徐", "孙", "胡", "朱",
            "高", "林", "何", "郭", "马", "罗"]
TRADES = {"catering": ["小吃店", "面馆", "饭店", "茶餐厅", "火锅店"],
          "food_retail": ["食品店", "果品店", "粮油店"], "supermarket": ["超市", "便利店"],
          "jewellery": ["珠宝", "金店"], "telecom": ["通讯", "手机店"], "finance": ["金融服务"],
          "appliance_repair": ["家电维修部"], "housekeeping": ["家政服务"],
          "auto_repair": ["汽修厂", "汽车服务"], "pharmacy": ["大药房", "药店"],
          "hotel": ["宾馆", "酒店"], "scenic_area": ["景区"], "express_delivery": ["快递站"],
          "highway_service_area": ["服务区"], "clothing": ["服饰", "服装店"],
          "education": ["培训中心"], "other": ["商行"]}
CATEGORIES = ["quality", "price", "short_weight", "false_advertising", "refund_refused",
              "service", "safety", "contract", "other"]
PROPOSALS = ["refund", "exchange", "repair", "compensation", "apology", "dispute"]
DAY = timedelta(days=1)
PENDING_EVERY = 25  # one unit in 25 awaits its on-site review


@dataclass(frozen=True)
class Sizes:
    units: int = 240_000
    complaints: int = 285_000
    consumers: int = 500_000
    vouchers: int = 100_000
    prizes: int = 100_000
    big_merchant_complaints: int = 576

    def scaled(self, factor):
        """Every size times ``factor``; the busiest merchant keeps its 576 while the
        complaints allow it."""
        sized = {name: max(1, int(getattr(self, name) * factor)) for name in
                 ("units", "complaints", "consumers", "vouchers", "prizes")}
        return Sizes(**sized, big_merchant_complaints=min(self.big_merchant_complaints,
                                                          sized["complaints"] // 10 or 1))


def counties():
    """(county code, (lng, lat) of its seat) of every county of the province."""
    found = []
    for city, ((lng, lat), suffixes) in CITIES.items():
        for n, suffix in enumerate(suffixes):
            angle, reach = n * 2.4, 0.05 + 0.03 * (n % 4)
            found.append((f"{PROVINCE}{city}{suffix}",
                          (lng + reach * math.cos(angle), lat + reach * math.sin(angle))))
    return found


def credit_code(n):
    body = f"91{PROVINCE}0106{n:09d}"[:17].ljust(17, "0")
    return body + check_character(body)


@dataclass
class World:
    """What the bench asks about afterwards: ids of the things it measures."""
    now: datetime
    big_merchant: str = None
    big_merchant_complaint: str = None
    busy_consumer: str = None
    city: str = f"{PROVINCE}0100"
    county: str = f"{PROVINCE}0106"
    seat: tuple = (120.16, 30.27)
    keyword: str = None
    pending_units: list = field(default_factory=list)
    credit_codes: list = field(default_factory=list)
    store_codes: list = field(default_factory=list)
    open_complaints: list = field(default_factory=list)
    voucher_campaign: str = None
    lucky_draw: str = None
    redeemable_codes: list = field(default_factory=list)
    redeeming_merchants: list = field(default_factory=list)
    consumers_at_limit: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


class Programme:
    def __init__(self, sizes, now, seed=20261201):
        self.sizes, self.now, self.chance = sizes, now, random.Random(seed)
        self.world = World(now=now)
        self.counties = counties()
        self.settings = complaint_settings()

    def at(self, days_ago):
        return to_rfc3339(self.now - timedelta(days=days_ago))

    # --- registry ------------------------------------------------------------------------------

    def merchants(self):
        """Units over the counties (Hangzhou's the busiest), in every industry and status."""
        weights = [4 if code[2:4] == "01" else 1 for code, _ in self.counties]
        reviewer = Actor(sub="bench-regulator", role="regulator", region=f"{PROVINCE}0000",
                         level="province")
        county_seat = dict(self.counties)[self.world.county]
        self.world.seat = county_seat
        for n in range(self.sizes.units):
            region, seat = self.chance.choices(self.counties, weights)[0]
            if n == 0 or n % PENDING_EVERY == 3:  # the busiest unit, and applications to review
                region, seat = self.world.county, county_seat
            yield self._merchant(n, region, seat, reviewer)

    def _merchant(self, n, region, seat, reviewer):
        chance = self.chance
        industry = chance.choice(sorted(INDUSTRIES))
        road = chance.choice(ROADS)
        name = f"{road}{chance.choice(SURNAMES)}记{chance.choice(TRADES[industry])}"
        valid_until = (self.now.date() + timedelta(days=chance.randint(90, 1800)))
        if n % 1000 == 7:  # a few licences run out within the warning days: the scan's work
            valid_until = self.now.date() + timedelta(days=chance.randint(1, 20))
        licences = [{"kind": "business_licence", "number": f"BL-{n}", "valid_until": valid_until}]
        if industry in FOOD_INDUSTRIES:
            licences.append({"kind": "food_operation", "number": f"JY-{n}",
                             "valid_until": valid_until + timedelta(days=30)})
        application = {
            "name": name, "credit_code": credit_code(n), "unit_type": chance.choice(
                sorted(UNIT_TYPES)) if n % 5 == 0 else "store", "industry": industry,
            "region": region, "address": f"{road}路{chance.randint(1, 999)}号",
            "location": {"lng": round(seat[0] + chance.gauss(0, 0.03), 6),
                         "lat": round(seat[1] + chance.gauss(0, 0.03), 6)},
            "contact_phone": f"138{n:08d}"[:11], "licences": licences,
            "commitments": {"no_reason_return_days": chance.choice([0, 0, 7, 15]),
                            "cross_store_return": n % 3 == 0,
                            "first_inquiry_responsibility": n % 2 == 0,
                            "advance_compensation": n % 4 == 0},
            "declaration": {"items": {item["key"]: True for item in STANDARD}}}
        created = self.at(chance.uniform(30, 730))
        merchant = domain.new_merchant(f"u{n:07d}", application, [], "owner", created)
        merchant["spot_draw"] = f"{chance.getrandbits(32):08x}"
        roll = 0.5 if n == 0 else chance.random()  # the busiest unit is plainly certified
        if n % PENDING_EVERY == 3:
            _keep(self.world.pending_units, merchant["_id"])
            return merchant
        for stage in ("onsite", "county", "final"):
            merchant.update(certification.review(merchant, reviewer, stage, "pass", "合格",
                                                 created).fields)
        _keep(self.world.store_codes, merchant["store_code"])
        _keep(self.world.credit_codes, merchant["credit_code"])
        if roll < 0.06:
            merchant.update(certification.transition(merchant, "warned", "system", "抽查警示",
                                                     created))
        elif roll < 0.07:
            merchant.update(certification.transition(merchant, "suspended", "system", "停业整顿",
                                                     created))
        elif roll < 0.075:
            merchant.update(certification.transition(merchant, "delisted", "system", "摘牌",
                                                     created, black_listed=True))
        elif roll < 0.2:
            merchant.update(certification.transition(merchant, "certified", "system", "星级",
                                                     created, stars=chance.randint(1, 5)))
            merchant["red_listed"] = roll < 0.08
        merchant["rating"] = {"count": chance.randint(0, 40), "total": 0}
        merchant["rating"]["total"] = merchant["rating"]["count"] * chance.randint(3, 5)
        if n == 1:
            self.world.keyword = name[:4]
        return merchant

    # --- complaints ----------------------------------------------------------------------------

    def complaints(self, merchants, consumer_subs):
        """A year of complaints: closed ones (in every closing), answered ones, mediated ones,
        recent open ones with running deadlines, and flagged ones; one merchant with a lot.
        ``merchants``: (id, name, region, industry) of public units."""
        self.world.big_merchant = merchants[0][0]
        self.world.busy_consumer = consumer_subs[0]
        big = self.sizes.big_merchant_complaints
        # oldest first, so that the counters of a month are all made while it is loaded
        ages = sorted((self.chance.uniform(0, 364) for _ in range(self.sizes.complaints)),
                      reverse=True)
        for n, days_ago in enumerate(ages):
            merchant = merchants[0] if n % (self.sizes.complaints // big or 1) == 0 else \
                merchants[int(len(merchants) * self.chance.random() ** 2)]
            consumer = consumer_subs[0] if n % 5000 == 1 else self.chance.choice(consumer_subs)
            complaint = self._complaint(n, merchant, consumer, days_ago)
            if merchant is merchants[0] and self.world.big_merchant_complaint is None:
                self.world.big_merchant_complaint = complaint["_id"]
            yield complaint

    def _complaint(self, n, merchant, consumer, days_ago):
        chance, settings = self.chance, self.settings
        filed = self.at(days_ago)
        merchant_id, name, region, industry = merchant
        standing = {"merchant_id": merchant_id, "name": name, "region": region,
                    "industry": industry}
        filing = {"category": chance.choice(CATEGORIES), "title": "商品质量问题",
                  "description": "购买的商品有质量问题，商家拒绝退换，请求处理。联系电话见附件",
                  "amount_fen": chance.randint(100, 500_000), "occurred_on": date.fromisoformat(
                      filed[:10]) - DAY, "evidence_urls": [], "contact_phone": "13912345678",
                  "public_consent": chance.random() < 0.3}
        flagged = chance.random() < 0.01
        complaint, _ = lifecycle.new_complaint(f"c{n:08d}", consumer, filing, standing, filed,
                                               settings, flagged)
        if flagged:
            return complaint
        merchant_actor = Actor(sub="shop", role="merchant", merchant_id=merchant_id)
        consumer_actor = Actor(sub=consumer, role="consumer")
        regulator = Actor(sub="mediator", role="regulator", region=region, level="county")
        sla_days = calendar_days(settings.rule("response"))
        if days_ago < sla_days:
            _keep(self.world.open_complaints, complaint["_id"])
            return complaint
        answered = self.at(days_ago - chance.uniform(0, sla_days))
        proposal = chance.choice(PROPOSALS)
        complaint.update(lifecycle.respond(complaint, merchant_actor, {
            "proposal": proposal, "message": "已联系消费者", "amount_fen": chance.randint(
                100, 10_000) if proposal in ("refund", "compensation") else None},
            answered, settings).fields)
        if days_ago < 10 and chance.random() < 0.5:
            return complaint
        roll = chance.random()
        if roll < 0.08:
            complaint.update(lifecycle.withdraw(complaint, consumer_actor, answered).fields)
        elif roll < 0.8:
            complaint.update(lifecycle.decide(complaint, consumer_actor, True, "", answered,
                                              settings).fields)
        else:
            complaint.update(lifecycle.decide(complaint, consumer_actor, False, "不满意",
                                              answered, settings).fields)
            if days_ago > 30:
                complaint.update(lifecycle.mediate(complaint, regulator, {
                    "outcome": chance.choice(["resolved", "failed"]), "relief": "monetary",
                    "amount_recovered_fen": chance.randint(0, 5000), "notes": "调解"},
                    answered).fields)
        if complaint["status"] == "closed" and chance.random() < 0.4:
            complaint.update(lifecycle.rate(complaint, consumer_actor, chance.randint(1, 5),
                                            answered).fields)
        return complaint

    # --- consumers -----------------------------------------------------------------------------

    def consumers(self):
        """(sub, county) of every consumer."""
        for n in range(self.sizes.consumers):
            yield f"k{n:07d}", self.chance.choice(self.counties)[0]

    def consumer_documents(self, sub, county):
        """A consumer's preferences, its place in the warning audience and an inbox message."""
        recipient = f"user:{sub}"
        preferences = {"_id": recipient, **notifications.default_preferences(recipient),
                       "locale": "en" if self.chance.random() < 0.05 else "zh-CN",
                       "region": county, "recipient": recipient}
        audience = {"_id": f"{county}:{sub}", "region": county, "consumer": sub,
                    "k_audience": notification_listing.audience_key(sub, county)}
        created = self.at(self.chance.uniform(0, 60))
        message = {"_id": uuid.UUID(int=self.chance.getrandbits(128)).hex, "recipient": recipient,
                   "topic": "coupon", "title": "领券成功", "body": "您已成功领取消费券",
                   "event_type": "coupon_claimed", "event_id": "bench", "created_at": created,
                   "read_at": None if self.chance.random() < 0.6 else created}
        return preferences, audience, message

    def warnings_received_today(self, subs, per_day):
        """Consumers who have had their warnings today already: the throttle must hold them."""
        day, now = self.now.date().isoformat(), to_rfc3339(self.now)
        self.world.consumers_at_limit = list(subs)
        return [{"_id": notifications.warning_slot(f"user:{sub}", day, slot),
                 "recipient": f"user:{sub}", "topic": "warning", "title": "消费提示",
                 "body": "此前的消费提示", "event_type": "warning_published",
                 "event_id": "earlier", "created_at": now, "read_at": None,
                 "warning_id": f"earlier-{slot}"}
                for sub in subs for slot in range(1, per_day + 1)]

    # --- coupons -------------------------------------------------------------------------------

    def campaign(self, kind, quantity, name):
        spec = {"name": name, "kind": kind, "face_value_fen": 2000 if kind == "voucher" else None,
                "min_spend_fen": 10_000 if kind == "voucher" else 0, "percent_off": None,
                "cap_fen": None, "prize_tiers": [] if kind == "voucher" else [
                    {"name": "一等奖", "face_value_fen": 5000, "min_spend_fen": 0,
                     "quantity": quantity // 10, "probability": 0.1},
                    {"name": "二等奖", "face_value_fen": 1000, "min_spend_fen": 0,
                     "quantity": quantity - quantity // 10, "probability": 0.9}],
                "total_quantity": quantity, "per_consumer_limit": 1,
                "claim_starts_at": self.now - 10 * DAY, "claim_ends_at": self.now + 20 * DAY,
                "valid_days": None, "valid_until": self.now + 25 * DAY,
                "eligibility": {"regions": [f"{PROVINCE}0000"], "industries": [],
                                "merchant_ids": []}, "funding": "省消费券资金"}
        campaign = rules.new_campaign(uuid.uuid4().hex, spec, "bench-operator", self.at(12))
        campaign.update(rules.moved(campaign, "active", "bench-operator", self.at(10)).fields)
        return campaign

    def claimed_coupons(self, campaign, consumer_subs, redeemers):
        """Every unit of the campaign claimed by a consumer of its own, a third of the vouchers
        redeemed at certified units (``redeemers``: (id, name, region, industry))."""
        prizes = campaign["prize_tiers"]
        for seq in range(1, campaign["total_quantity"] + 1):
            consumer = consumer_subs[seq % len(consumer_subs)]
            claimed = self.at(self.chance.uniform(1, 10))
            unit = (f"{campaign['_id']}:0", seq)
            prize = None
            prize_unit = None
            if prizes:
                prize = prizes[0] if seq <= prizes[0]["quantity"] else prizes[1]
                counter = f"{campaign['_id']}:prize:{prize['name']}"
                first = prizes[0]["quantity"]
                prize_unit = (counter, seq if seq <= first else seq - first)
            coupon = {**rules.new_coupon(units.unit_id(*unit), campaign, consumer, claimed,
                                         prize), **units.unit_fields(unit, prize_unit)}
            if not prizes and seq % 3 == 0:
                merchant_id, merchant_name, _, _ = redeemers[seq % len(redeemers)]
                order = 10_000 + self.chance.randint(0, 20_000)
                redemption = {"_id": uuid.UUID(int=self.chance.getrandbits(128)).hex,
                              "coupon_id": coupon["_id"], "campaign_id": campaign["_id"],
                              "merchant_id": merchant_id, "merchant_name": merchant_name,
                              "order_amount_fen": order, "discount_fen": 2000, "at": claimed,
                              "status": "done"}
                coupon.update({"status": "redeemed", "redeemed_at": claimed,
                               "redemption": redemption, "redemption_id": redemption["_id"]})
            elif not prizes:
                _keep(self.world.redeemable_codes, coupon["code"])
            yield coupon

    def stock(self, campaign):
        """The stock counters of a campaign that gave out every unit, each accounted for."""
        quantity = campaign["total_quantity"]
        counters = [{"_id": f"{campaign['_id']}:0", "campaign_id": campaign["_id"],
                     "kind": "draws", "remaining": 0, "taken": quantity,
                     "accounted_upto": quantity}]
        for tier in campaign["prize_tiers"]:
            counters.append({"_id": f"{campaign['_id']}:prize:{tier['name']}",
                             "campaign_id": campaign["_id"], "kind": "prize", "remaining": 0,
                             "taken": tier["quantity"], "accounted_upto": tier["quantity"]})
        return counters

    def holding(self, campaign_id, consumer):
        return {"_id": f"{campaign_id}:{consumer}", "count": 1}

    def merchant_copy(self, merchant):
        """The coupons service's copy of a certified unit's standing."""
        merchant_id, name, region, industry = merchant
        return {"_id": merchant_id, "merchant_id": merchant_id, "status": "certified",
                "region": region, "industry": industry, "name": name,
                "as_of": to_rfc3339(self.now)}


KEPT = 2000  # ids of each kind the world keeps for the bench to ask about


def calendar_days(rule):
    """About how many calendar days a deadline rule spans (five working days a week)."""
    if rule.unit == deadlines.WORKING_DAYS:
        return rule.count * 7 / 5
    return rule.count / 86400


def _keep(ids, value):
    if len(ids) < KEPT:
        ids.append(value)


def now_utc():
    return datetime.now(UTC).replace(microsecond=0)
