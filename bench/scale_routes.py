"""The routes ``make bench-scale`` times, on the small world it makes through the API and again
once a province's programme is in the stores: every read route of API.md, and the hot writes.

A route is a name and a function of the handles (``Handles``: ids and tokens of the world it
runs in) and the call's number, which gives the request: (method, path, token, options)."""
import uuid
from dataclasses import dataclass, field

from devtools.demo import application, credit_code


@dataclass
class Handles:
    """What the routes ask about in one world."""
    api: object
    county: str
    city: str
    seat: tuple
    keyword: str
    unit: str                  # a certified unit with many complaints
    store_codes: list
    complaint: str
    busy_consumer: str
    pending_units: list        # units awaiting their on-site review, in the county
    credit_codes: list
    voucher_campaign: str      # a campaign with redemptions
    claim_campaign: str        # a campaign with stock left
    redeemable_codes: list
    redeeming_merchant: str
    consumer_with_coupons: str
    warning: str
    tokens: dict = field(default_factory=dict)

    def token(self, name, **claims):
        if name not in self.tokens:
            self.tokens[name] = self.api.token(**claims)
        return self.tokens[name]

    def city_regulator(self):
        return self.token("city", role="regulator", sub="scale-city", region=self.city,
                          level="city")

    def province_regulator(self):
        return self.token("province", role="regulator", sub="scale-province",
                          region=self.city[:2] + "0000", level="province")

    def operator(self):
        return self.token("operator", role="operator", sub="scale-operator")

    def consumer(self, sub):
        return self.token(f"consumer:{sub}", role="consumer", sub=sub)

    def merchant(self, merchant_id):
        return self.token(f"merchant:{merchant_id}", role="merchant", sub=f"{merchant_id}-owner",
                          merchant_id=merchant_id)


def get(path, token=None, **params):
    return "GET", path, token, {"params": params}


def post(path, token=None, body=None, **headers):
    return "POST", path, token, {"json": body if body is not None else {}, "headers": headers}


def _pick(items, n):
    return items[n % len(items)]


READS = {
    "registry_standard": lambda h, n: get("/api/v1/registry/standard"),
    "merchant_record": lambda h, n: get(f"/api/v1/merchants/{h.unit}", h.city_regulator()),
    "merchants_of_a_city": lambda h, n: get("/api/v1/merchants", h.city_regulator()),
    "merchants_of_a_city_pending": lambda h, n: get("/api/v1/merchants", h.city_regulator(),
                                                    status="pending_onsite"),
    "spot_checks": lambda h, n: get("/api/v1/spot-checks", h.city_regulator()),
    "search_region_industry": lambda h, n: get("/api/v1/public/merchants", region=h.county,
                                               industry="catering"),
    "search_keyword": lambda h, n: get("/api/v1/public/merchants", q=h.keyword, region=h.city),
    "search_near_1km": lambda h, n: get("/api/v1/public/merchants",
                                        near=f"{h.seat[0]},{h.seat[1]}", radius_m=1000),
    "search_city_100": lambda h, n: get("/api/v1/public/merchants", region=h.city, limit=100),
    "search_province_commitment": lambda h, n: get(
        "/api/v1/public/merchants", region=h.city[:2] + "0000", commitment="advance_compensation"),
    "store_page_json": lambda h, n: get(f"/api/v1/public/stores/{_pick(h.store_codes, n)}"),
    "store_page_html": lambda h, n: get(f"/s/{_pick(h.store_codes, n + 7)}"),
    "store_qr_svg": lambda h, n: get(f"/s/{_pick(h.store_codes, n + 13)}/qr.svg"),
    "red_list": lambda h, n: get("/api/v1/public/lists/red"),
    "black_list": lambda h, n: get("/api/v1/public/lists/black"),
    "complaint_record": lambda h, n: get(f"/api/v1/complaints/{h.complaint}",
                                         h.city_regulator()),
    "complaints_of_a_consumer": lambda h, n: get("/api/v1/complaints",
                                                 h.consumer(h.busy_consumer)),
    "complaints_of_a_merchant": lambda h, n: get("/api/v1/complaints", h.merchant(h.unit)),
    "complaints_of_a_city": lambda h, n: get("/api/v1/complaints", h.city_regulator()),
    "complaints_of_a_city_in_mediation": lambda h, n: get(
        "/api/v1/complaints", h.city_regulator(), status="mediation"),
    "public_disclosure": lambda h, n: get(f"/api/v1/public/merchants/{h.unit}/complaints"),
    "statistics_city": lambda h, n: get("/api/v1/stats/complaints", h.city_regulator()),
    "statistics_province": lambda h, n: get("/api/v1/stats/complaints", h.province_regulator()),
    "statistics_city_quarter": lambda h, n: get("/api/v1/stats/complaints", h.city_regulator(),
                                                **{"from": "2026-06-15", "to": "2026-09-14"}),
    "hotspots": lambda h, n: get("/api/v1/hotspots", h.city_regulator()),
    "campaign": lambda h, n: get(f"/api/v1/campaigns/{h.voucher_campaign}", h.operator()),
    "campaign_stats": lambda h, n: get(f"/api/v1/campaigns/{h.voucher_campaign}/stats",
                                       h.operator()),
    "public_campaigns": lambda h, n: get("/api/v1/public/campaigns", region=h.county),
    "my_coupons": lambda h, n: get("/api/v1/me/coupons", h.consumer(h.consumer_with_coupons)),
    "inbox_of_a_consumer": lambda h, n: get("/api/v1/me/notifications",
                                            h.consumer(h.consumer_with_coupons)),
    "inbox_of_a_merchant": lambda h, n: get("/api/v1/me/notifications", h.merchant(h.unit)),
    "inbox_of_a_regulator": lambda h, n: get("/api/v1/me/notifications", h.city_regulator()),
    "preferences": lambda h, n: get("/api/v1/me/preferences",
                                    h.consumer(h.consumer_with_coupons)),
    "deliveries": lambda h, n: get("/api/v1/me/deliveries", h.merchant(h.unit)),
    "public_warnings": lambda h, n: get("/api/v1/public/warnings", region=h.county),
    "warning": lambda h, n: get(f"/api/v1/warnings/{h.warning}", h.city_regulator()),
}


def _complaint(h, n):
    sub = f"scale-filer-{uuid.uuid4().hex[:10]}"
    return post("/api/v1/complaints", h.consumer(sub), {
        "merchant_id": h.unit, "category": "quality", "title": "质量问题",
        "description": "买到的商品有问题", "amount_fen": 1000, "occurred_on": "2026-11-20",
        "evidence_urls": [], "contact_phone": "13912345678", "public_consent": True})


def _claim(h, n):
    sub = f"scale-claimer-{uuid.uuid4().hex[:10]}"
    return post(f"/api/v1/campaigns/{h.claim_campaign}/claims", h.consumer(sub), {},
                **{"Idempotency-Key": uuid.uuid4().hex})


def _redeem(h, n):
    return post("/api/v1/redemptions", h.merchant(h.redeeming_merchant), {
        "code": h.redeemable_codes.pop(), "order_amount_fen": 20_000},
        **{"Idempotency-Key": uuid.uuid4().hex})


def _review(h, n):
    station = h.token("station", role="regulator", sub="scale-station", region=h.county,
                      level="station")
    return post(f"/api/v1/merchants/{h.pending_units.pop()}/reviews", station, {
        "stage": "onsite", "decision": "pass", "notes": "现场核查合格"})


def _rating(h, n):
    sub = f"scale-rater-{uuid.uuid4().hex[:10]}"
    return post(f"/api/v1/merchants/{h.unit}/ratings", h.consumer(sub), {"score": 4})


def _licence_event(h, n):
    system = h.token("system", role="system", sub="licence-registry")
    return post("/api/v1/registry/licence-events", system, {
        "credit_code": _pick(h.credit_codes, n), "event": "changed",
        "changes": {"address": f"新地址路{n}号"}, "occurred_at": "2026-11-30T08:00:00Z"})


WRITES = {"file_a_complaint": _complaint, "claim": _claim, "redeem": _redeem,
          "certification_review": _review, "rating": _rating, "licence_event": _licence_event}


def new_application(n, region):
    code = credit_code(f"91330106MA{n:07d}")
    return application(f"规模测试申请{n}", code, region=region)
