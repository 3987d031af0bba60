"""Every route × every kind of caller × ownership: only what API.md allows gets through.

One world (merchants, a complaint, campaigns, a coupon and its redemption, a warning, a spot
check) is built through the API; each row of ``ROUTES`` names a route, a request on an object of
that world, and the callers API.md lets through. Every other caller is refused: anonymous 401
``UNAUTHENTICATED``, a wrong role 403, another party's object or another region 403 or 404.
The refused callers go first, so the first allowed call also shows they changed nothing.
``test_every_route_has_a_row`` keeps the table complete as routes are added."""
import random
import re
from dataclasses import dataclass, field

import pytest

from devtools.waiting import poll
from gateway.openapi import routes_of
from gateway.service import GatewayService
from tests.e2e.coupon_steps import active_campaign, campaign_body, claimed, redeemed
from tests.e2e.registry_steps import certify, record

HOME, HOME_CITY, FAR = "330106", "330100", "330212"  # Xihu, Hangzhou, and a county of Ningbo

CALLERS = {
    "anonymous": None,
    "consumer": dict(role="consumer", sub="authz-consumer"),
    "other_consumer": dict(role="consumer", sub="authz-other-consumer"),
    "merchant": None,        # the owner of the world's merchant (its token comes with it)
    "other_merchant": None,  # another certified merchant of the same county
    "station": dict(role="regulator", sub="authz-station", region=HOME, level="station"),
    "county": dict(role="regulator", sub="authz-county", region=HOME, level="county"),
    "city": dict(role="regulator", sub="authz-city", region=HOME_CITY, level="city"),
    "far_regulator": dict(role="regulator", sub="authz-far", region=FAR, level="city"),
    "operator": dict(role="operator", sub="authz-operator"),
    "system": dict(role="system", sub="authz-licence-feed"),
}
EVERYONE = frozenset(CALLERS)
SIGNED_IN = EVERYONE - {"anonymous"}
CONSUMERS = frozenset({"consumer", "other_consumer"})
MERCHANTS = frozenset({"merchant", "other_merchant"})
REGULATORS = frozenset({"station", "county", "city", "far_regulator"})
HOME_REGULATORS = REGULATORS - {"far_regulator"}


@dataclass
class World:
    tokens: dict
    ids: dict = field(default_factory=dict)

    def file_complaint(self, client, category):
        """The consumer's complaint against the merchant becomes the world's complaint."""
        response = client.post("/api/v1/complaints", self.tokens["consumer"],
                               json=filing(self.ids["merchant"], category))
        assert response.status_code == 201, response.text
        self.ids["complaint"] = response.json()["complaint_id"]


@pytest.fixture(scope="module")
def world(client, merchants):
    tokens = {name: client.token(**claims) for name, claims in CALLERS.items() if claims}
    tokens["anonymous"] = None
    own, tokens["merchant"], own_body = certify(client, merchants, region=HOME)
    other, tokens["other_merchant"], _ = certify(client, merchants, region=HOME)
    target, _, _ = certify(client, merchants, region=HOME)  # for actions and stars
    pending, pending_token, pending_body = merchants.new(region=HOME)
    assert client.post("/api/v1/merchants", pending_token, json=pending_body).status_code == 201
    ids = {"asset": "swagger-ui.css", "kind": "red", "service": "registry",
           "merchant": own, "other_merchant": other, "target": target, "pending": pending,
           "credit_code": own_body["credit_code"], "own_body": own_body,
           "store_code": record(client, tokens["merchant"], own)["store_code"]}

    operator = tokens["operator"]
    ids["campaign"] = active_campaign(client, operator, total_quantity=100,
                                      per_consumer_limit=5)["campaign_id"]
    ids["draft_campaign"] = client.post("/api/v1/campaigns", operator,
                                        json=campaign_body()).json()["campaign_id"]
    ids["ballot"] = active_campaign(client, operator, allocation="ballot")["campaign_id"]
    ids["day"] = "2026-12-01"
    to_redeem = claimed(client, tokens["consumer"], ids["campaign"])
    held = claimed(client, tokens["consumer"], ids["campaign"])
    ids["coupon_code"], ids["coupon"] = held["code"], held["coupon_id"]
    ids["redemption"] = redeemed(client, tokens["merchant"], to_redeem["code"],
                                 5000)["redemption_id"]

    world = World(tokens, ids)
    world.file_complaint(client, "quality")
    warning = client.post("/api/v1/warnings", tokens["city"], json={
        "title": "预付卡消费提醒", "body": "谨慎办理预付卡", "region": HOME})
    assert warning.status_code == 201, warning.text
    ids["warning"] = warning.json()["warning_id"]
    batch = client.post("/api/v1/spot-checks", tokens["city"],
                        json={"region": HOME, "sample_size": 1})
    assert batch.status_code == 201, batch.text
    ids["spot_check"] = batch.json()["items"][0]["task_id"]

    inbox = poll(lambda: client.get("/api/v1/me/notifications", tokens["consumer"]).json(),
                 lambda page: page["items"], seconds=20)
    assert inbox["items"], "the consumer's inbox stayed empty"
    ids["notification"] = inbox["items"][0]["notification_id"]
    return world


def filing(merchant_id, category):
    return {"merchant_id": merchant_id, "category": category, "title": "权限测试",
            "description": "商品有问题", "amount_fen": 1000, "occurred_on": "2026-11-01",
            "contact_phone": "13600001111", "public_consent": False}


@dataclass(frozen=True)
class Row:
    method: str
    path: str                    # {name} is filled from the world's ids
    allowed: frozenset
    body: object = None          # a dict, or a function of the world's ids
    first: tuple = (200,)        # what the first allowed caller gets
    others: tuple = None         # what the later ones get (None: any success, or 409)
    params: dict = None
    before: object = None        # a step run first: before(client, world)

    def url(self, ids):
        return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), self.path)

    def payload(self, ids):
        return self.body(ids) if callable(self.body) else self.body


def new_phone():
    return f"137{random.randrange(10 ** 8):08d}"


M, C, K = "/api/v1/merchants/{merchant}", "/api/v1/complaints/{complaint}", \
    "/api/v1/campaigns/{campaign}"
B = "/api/v1/campaigns/{ballot}"


def signed_up_both(client, world):
    for consumer in CONSUMERS:
        response = client.post(f"/api/v1/campaigns/{world.ids['ballot']}/signups",
                               world.tokens[consumer], json={})
        assert response.status_code in (200, 201), response.text
PUBLIC_GETS = ["/healthz", "/openapi.json", "/asyncapi.json", "/docs", "/docs/static/{asset}",
               "/api/v1/registry/standard", "/api/v1/public/merchants",
               "/api/v1/public/stores/{store_code}", "/s/{store_code}",
               "/s/{store_code}/qr.svg", "/s/{store_code}/qr.png", "/api/v1/public/lists/{kind}",
               "/api/v1/public/merchants/{merchant}/complaints", "/api/v1/public/campaigns",
               "/api/v1/public/warnings", "/metrics", "/readyz", "/echoz/{service}",
               "/static/store.css", "/favicon.ico", "/m/sign-in", "/m/complaints",
               "/m/coupons"]

ROUTES = [Row("GET", path, EVERYONE) for path in PUBLIC_GETS] + [
    Row("POST", "/api/v1/auth/dev-token", EVERYONE, {"role": "consumer", "sub": "x"}, (201,)),
    Row("POST", "/api/v1/auth/sign-in/code", EVERYONE, lambda ids: {"phone": new_phone()},
        (202,), others=(202,)),
    # the sign-in pages' forms: without their CSRF cookie and token, refused for everyone alike
    Row("POST", "/m/sign-in", EVERYONE, {}, (403,), others=(403,)),
    # a page: a bearer token means nothing to it, everyone is sent to sign in (and gets there)
    Row("GET", "/m/complaints/new", EVERYONE, params={"store_code": "x"}),
    Row("GET", "/m/complaints/{complaint}", EVERYONE),
    Row("POST", "/m/sign-in/code", EVERYONE, {}, (403,), others=(403,)),
    Row("POST", "/m/complaints/preview", EVERYONE, {}, (403,), others=(403,)),
    Row("POST", "/m/complaints/new", EVERYONE, {}, (403,), others=(403,)),
    Row("POST", "/m/complaints/{complaint}/decision", EVERYONE, {}, (403,), others=(403,)),
    Row("POST", "/m/complaints/{complaint}/rating", EVERYONE, {}, (403,), others=(403,)),
    Row("POST", "/m/coupons/claim", EVERYONE, {}, (403,), others=(403,)),
    Row("GET", "/m/coupons/claim", EVERYONE, params={"campaign_id": "x"}),
    Row("GET", "/m/stores/{store_code}/rate", EVERYONE),
    Row("POST", "/m/stores/{store_code}/rate", EVERYONE, {}, (403,), others=(403,)),
    # a page's image: no session cookie, no coupon of yours
    Row("GET", "/m/coupons/{coupon}/qr.png", EVERYONE, first=(404,), others=(404,)),
    # nobody's token matters: a code nobody was sent is refused for every caller alike
    Row("POST", "/api/v1/auth/sign-in", EVERYONE,
        lambda ids: {"phone": new_phone(), "code": "000000"}, (401,), others=(401,)),
    # registry
    Row("POST", "/api/v1/merchants", MERCHANTS, lambda ids: ids["own_body"], (409,)),
    Row("GET", "/api/v1/merchants", REGULATORS),
    Row("GET", M, {"merchant"} | HOME_REGULATORS),
    Row("PATCH", M, {"merchant"}, {"address": "杭州市西湖区新地址 2 号"}),
    Row("POST", M + "/resubmit", {"merchant"}, lambda ids: ids["own_body"], (409,)),
    Row("POST", "/api/v1/merchants/{pending}/reviews", HOME_REGULATORS,
        {"stage": "onsite", "decision": "pass", "notes": "现场核查通过"}),
    Row("POST", "/api/v1/merchants/{target}/actions", {"county", "city"},
        {"action": "warn", "reason": "投诉较多"}),
    Row("PUT", "/api/v1/merchants/{target}/stars", {"city"}, {"stars": 3}),
    Row("POST", M + "/ratings", CONSUMERS, {"score": 4, "comment": "不错"}, (201,)),
    Row("POST", "/api/v1/registry/licence-events", {"system"} | HOME_REGULATORS,
        lambda ids: {"credit_code": ids["credit_code"], "event": "changed",
                     "changes": {"address": "杭州市西湖区变更后 3 号"},
                     "occurred_at": "2026-11-20T08:00:00Z"}),
    Row("POST", "/api/v1/spot-checks", {"city"}, {"region": HOME, "sample_size": 1}, (201,)),
    Row("GET", "/api/v1/spot-checks", REGULATORS),
    Row("POST", "/api/v1/spot-checks/{spot_check}/result", HOME_REGULATORS,
        {"result": "pass", "notes": "抽查合格"}),
    # complaints
    # against another unit: complaints against the world's merchant beyond the test stack's
    # MERCHANT_COMPLAINT_THRESHOLD would move it to the warning library
    Row("POST", "/api/v1/complaints", CONSUMERS, lambda ids: filing(ids["target"], "price"),
        (201,)),
    Row("GET", "/api/v1/complaints", CONSUMERS | MERCHANTS | REGULATORS),
    Row("GET", C, {"consumer", "merchant"} | HOME_REGULATORS),
    # a complaint of its own: the test stack's merchant deadline is seconds
    Row("POST", C + "/responses", {"merchant"},
        {"proposal": "refund", "message": "同意退款", "amount_fen": 1000},
        before=lambda client, world: world.file_complaint(client, "service")),
    Row("POST", C + "/decision", {"consumer"}, {"accept": False, "comment": "不满意"}),
    Row("POST", C + "/mediation", HOME_REGULATORS,
        {"outcome": "resolved", "relief": "monetary", "amount_recovered_fen": 800,
         "notes": "调解成功"}),
    Row("POST", C + "/withdraw", {"consumer"}, None, (409,)),
    Row("POST", C + "/rating", {"consumer"}, {"satisfaction": 4}),
    Row("POST", C + "/screening", HOME_REGULATORS, {"decision": "forward"}, (409,)),
    Row("POST", C + "/consent", {"consumer"}, {"public_consent": True}),
    # once: the first allowed caller replies (or the complaint is not published), then 409
    Row("POST", C + "/public-reply", {"merchant"}, {"text": "已为顾客办理退款"}, (200, 409)),
    Row("GET", "/api/v1/stats/complaints", REGULATORS),
    Row("GET", "/api/v1/public/open-data/complaints", EVERYONE,
        params={"region": HOME, "day": "2026-11-30"}),
    Row("GET", "/api/v1/stats/grades", REGULATORS),
    Row("GET", "/api/v1/hotspots", REGULATORS),
    # coupons
    Row("POST", "/api/v1/campaigns", {"operator"}, lambda ids: campaign_body(), (201,)),
    Row("GET", K, {"operator"}),
    Row("GET", K + "/stats", {"operator"}),
    Row("GET", K + "/settlement.csv", {"operator"}),
    *[Row("POST", "/api/v1/campaigns/{draft_campaign}/" + step, {"operator"}, {})
      for step in ("activate", "pause", "resume", "cancel")],
    Row("POST", K + "/claims", CONSUMERS, {}, (201,)),
    Row("GET", K + "/settlements/{day}.csv", {"operator"}),
    Row("GET", K + "/cash-out", {"operator"}),
    Row("POST", K + "/holds/{merchant}/release", {"operator"}, {"reason": "核查无误"}, (404,),
        (404,)),
    Row("POST", B + "/signups", CONSUMERS, {}, (201, 200)),
    Row("GET", B + "/signups/mine", CONSUMERS, before=signed_up_both),
    Row("GET", "/api/v1/public/campaigns/{ballot}/ballot", EVERYONE),
    # published after the draw: before it, anyone hears the same 409
    Row("GET", "/api/v1/public/campaigns/{ballot}/ballot/signups.csv", EVERYONE, first=(409,),
        others=(409,)),
    Row("GET", "/api/v1/me/coupons", CONSUMERS),
    Row("POST", "/api/v1/redemptions", MERCHANTS,
        lambda ids: {"code": ids["coupon_code"], "order_amount_fen": 5000}, (201,)),
    Row("POST", "/api/v1/redemptions/{redemption}/rollback", {"merchant"}, {"reason": "退货"}),
    # notifications and warnings
    Row("GET", "/api/v1/me/notifications", SIGNED_IN),
    Row("POST", "/api/v1/me/notifications/{notification}/read", {"consumer"}),
    Row("GET", "/api/v1/me/deliveries", SIGNED_IN),
    Row("GET", "/api/v1/me/preferences", SIGNED_IN),
    Row("PUT", "/api/v1/me/preferences", SIGNED_IN, {"locale": "zh-CN"}),
    Row("POST", "/api/v1/warnings", HOME_REGULATORS,
        {"title": "提醒", "body": "谨慎消费", "region": HOME}, (201,)),
    Row("GET", "/api/v1/warnings/{warning}", HOME_REGULATORS),
    Row("POST", "/api/v1/warnings/{warning}/publish", HOME_REGULATORS),
]

DENIALS = {401: {"UNAUTHENTICATED"}, 403: {"FORBIDDEN", "OUT_OF_JURISDICTION",
                                           "INSUFFICIENT_LEVEL"},
           404: {"NOT_FOUND"}}


def call(client, world, row, caller):
    return client.request(row.method, row.url(world.ids), world.tokens[caller],
                          json=row.payload(world.ids), params=row.params)


@pytest.mark.parametrize("row", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
def test_only_the_allowed_callers_get_through(client, world, row):
    if row.before:
        row.before(client, world)
    refused = [c for c in CALLERS if c not in row.allowed]
    for caller in refused:
        response = call(client, world, row, caller)
        expected = 401 if caller == "anonymous" else response.status_code
        assert response.status_code == expected and expected in DENIALS, (
            caller, response.status_code, response.text[:300])
        assert response.json()["error"]["code"] in DENIALS[expected], (caller, response.text)
    for n, caller in enumerate(c for c in CALLERS if c in row.allowed):
        response = call(client, world, row, caller)
        if n == 0:
            assert response.status_code in row.first, (caller, response.text[:300])
        elif row.others is not None:
            assert response.status_code in row.others, (caller, response.text[:300])
        else:  # later callers may find the object moved on (409), never a refusal
            assert response.status_code < 300 or response.status_code == 409, (
                caller, response.status_code, response.text[:300])


def test_every_route_has_a_row():
    declared = {(r.method, re.sub(r"<(?:\w+:)?(\w+)>", "{}", r.url))
                for _, r in routes_of(GatewayService)}
    tabled = {(r.method, re.sub(r"\{\w+\}", "{}", r.path)) for r in ROUTES}
    assert declared - tabled == set()


@pytest.mark.parametrize("caller, excluded", [("other_consumer", "complaint"),
                                              ("other_merchant", "complaint"),
                                              ("far_regulator", "complaint")])
def test_lists_show_nobody_else_s_objects(client, world, caller, excluded):
    page = client.get("/api/v1/complaints", world.tokens[caller], params={"limit": 100})
    assert page.status_code == 200
    assert world.ids[excluded] not in {c["complaint_id"] for c in page.json()["items"]}


def test_a_regulator_cannot_widen_a_list_to_another_region(client, world):
    for path in ("/api/v1/merchants", "/api/v1/stats/complaints"):
        response = client.get(path, world.tokens["county"], params={"region": FAR})
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["code"] == "OUT_OF_JURISDICTION"


def test_a_regulator_cannot_abnormal_list_another_region_s_unit(client, world, merchants):
    """The licence feed's abnormal listing changes nothing outside the caller's region."""
    merchant_id, token, body = merchants.new(region=HOME)
    feed = {"credit_code": body["credit_code"], "event": "abnormal_listed",
            "occurred_at": "2026-11-20T08:00:00Z"}
    refused = client.post("/api/v1/registry/licence-events", world.tokens["far_regulator"],
                          json=feed)
    assert refused.status_code == 403, refused.text
    applied = client.post("/api/v1/merchants", token, json=body).json()
    assert applied["status"] == "pending_onsite", applied.get("rejection_reasons")


def test_a_merchant_token_cannot_act_for_another_merchant(client, world):
    other = world.ids["other_merchant"]
    token = world.tokens["merchant"]
    assert client.get(f"/api/v1/merchants/{other}", token).status_code == 403
    assert client.patch(f"/api/v1/merchants/{other}", token,
                        json={"address": "冒名地址"}).status_code == 403
    assert record(client, world.tokens["other_merchant"], other)["address"] != "冒名地址"


def test_a_forged_role_claim_is_not_a_role(client, world):
    """A token names exactly one role; an unknown one is not let in anywhere."""
    response = client.post("/api/v1/auth/dev-token", json={"role": "admin", "sub": "x"})
    assert response.status_code == 422
