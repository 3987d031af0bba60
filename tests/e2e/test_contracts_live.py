"""The documents against the running system. One tour calls every route of docs/API.md
through the gateway, as a frontend would (successes and some refusals), while taps bound to
every service's exchange collect what the services publish. Then:

- every answer has a status /openapi.json lists for its route and a body its schema describes
  (an error's code among those documented for that status);
- every event arrives on the exchange and routing key /asyncapi.json gives it, with a payload
  its schema describes.
"""
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from openapi_schema_validator import OAS30Validator

from contracts.due_times import CHINA_STANDARD_TIME
from devtools.waiting import poll
from tests.api_contract import documented_routes, operation_for, problems_with
from tests.e2e.conftest import Client, EventTap
from tests.e2e.coupon_steps import (
    active_campaign,
    create_campaign,
    new_consumer,
    operator_token,
    transition,
)
from tests.e2e.registry_steps import act, certify

SOURCES = ("registry", "complaints", "coupons", "notifications")
EVENTS_OF_THE_TOUR = {
    "merchant_applied", "merchant_review_recorded", "merchant_certified", "merchant_rejected",
    "merchant_status_changed", "merchant_updated", "spot_check_assigned", "spot_check_completed",
    "complaint_submitted", "complaint_forwarded", "complaint_responded", "complaint_escalated",
    "complaint_closed", "campaign_status_changed", "coupon_claimed", "coupon_redeemed",
    "coupon_redemption_rolled_back", "warning_published",
}


class RecordingClient(Client):
    """The e2e client, keeping every answer it gets."""

    def __init__(self, base_url):
        super().__init__(base_url)
        self.answers = []

    def request(self, method, path, token=None, **kwargs):
        response = super().request(method, path, token, **kwargs)
        self.answers.append((method, urlsplit(path).path, response))
        return response


class RoutedTap(EventTap):
    """An EventTap that also keeps the exchange and routing key each event came with."""

    def drain(self):
        while (message := self.bound.get(no_ack=True)) is not None:
            self.seen.append((message.delivery_info["exchange"],
                              message.delivery_info["routing_key"], message.payload))
        return self.seen


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if "json" in response.headers.get("Content-Type", "") else response


def tour(client, merchants):
    city = client.token(role="regulator", sub="tour-city", region="330100", level="city")
    system = client.token(role="system", sub="tour-licence-registry")
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/asyncapi.json",
                 "/api/v1/registry/standard"):
        ok(client.get(path))
    ok(client.post("/api/v1/auth/dev-token", json={"role": "consumer", "sub": "tour"}), 201)
    assert client.get("/api/v1/me/coupons").status_code == 401

    # registry
    merchant_id, merchant, application = certify(client, merchants)
    shop = f"/api/v1/merchants/{merchant_id}"
    code = ok(client.get(shop, merchant))["store_code"]
    ok(client.patch(shop, merchant, json={"address": "杭州市西湖区文三路 102 号"}))
    rejected_id, rejected, body = merchants.new(declaration={"items": {"has_licences": True}})
    assert ok(client.post("/api/v1/merchants", rejected, json=body), 201)["status"] == "rejected"
    complete = merchants.new()[2]["declaration"]
    ok(client.post(f"/api/v1/merchants/{rejected_id}/resubmit", rejected,
                   json={**body, "declaration": complete}))
    assert client.post("/api/v1/merchants", merchant, json=application).status_code == 409
    ok(client.put(f"{shop}/stars", city, json={"stars": 3}))
    failed_id, failed, body = merchants.new()
    ok(client.post("/api/v1/merchants", failed, json=body), 201)
    ok(client.post(f"/api/v1/merchants/{failed_id}/reviews", city, json={
        "stage": "onsite", "decision": "fail", "notes": "现场核查未通过"}))
    ok(client.get("/api/v1/merchants", city, params={"region": "330106"}))
    ok(client.post("/api/v1/registry/licence-events", system, json={
        "credit_code": application["credit_code"], "event": "changed",
        "changes": {"address": "杭州市西湖区文三路 104 号"},
        "occurred_at": "2026-11-21T08:00:00Z"}))
    batch = ok(client.post("/api/v1/spot-checks", city,
                           json={"region": "330106", "sample_size": 1}), 201)
    ok(client.get("/api/v1/spot-checks", city))
    ok(client.post(f"/api/v1/spot-checks/{batch['items'][0]['task_id']}/result", city,
                   json={"result": "pass", "notes": "合格"}))
    _, consumer = new_consumer(client)
    ok(client.post(f"{shop}/ratings", consumer, json={"score": 5, "comment": "好"}), 201)
    assert client.post(f"{shop}/ratings", consumer, json={"score": 4}).status_code == 409
    ok(client.get("/api/v1/public/merchants", params={"region": "330106", "q": "测试"}))
    for path in (f"/api/v1/public/stores/{code}", f"/s/{code}", f"/s/{code}/qr.svg",
                 f"/s/{code}/qr.png", "/api/v1/public/lists/red", "/api/v1/public/lists/black"):
        ok(client.get(path))
    assert client.get("/api/v1/public/stores/no-such-store").status_code == 404
    assert client.get("/s/no-such-store").status_code == 404

    # coupons
    operator = operator_token(client)
    campaign = active_campaign(client, operator)
    campaign_path = f"/api/v1/campaigns/{campaign['campaign_id']}"
    coupon = ok(client.post(f"{campaign_path}/claims", consumer, json={},
                            headers={"Idempotency-Key": "tour-1"}), 201)
    assert client.post(f"{campaign_path}/claims", consumer, json={}).status_code == 409
    ok(client.get(campaign_path, operator))
    ok(client.get("/api/v1/public/campaigns", params={"region": "330106"}))
    ok(client.get("/api/v1/me/coupons", consumer))
    redemption = ok(client.post("/api/v1/redemptions", merchant, json={
        "code": coupon["code"], "order_amount_fen": 5000}), 201)
    ok(client.post(f"/api/v1/redemptions/{redemption['redemption_id']}/rollback", merchant,
                   json={"reason": "退货"}))
    assert client.post("/api/v1/redemptions", merchant, json={
        "code": "no-such-coupon", "order_amount_fen": 5000}).status_code == 404
    ok(client.get(f"{campaign_path}/stats", operator))
    ok(client.get(f"{campaign_path}/settlement.csv", operator))
    other = create_campaign(client, operator)["campaign_id"]
    for step in ("activate", "pause", "resume", "cancel"):
        ok(transition(client, operator, other, step))

    # complaints
    filing = {"merchant_id": merchant_id, "category": "quality", "title": "菜品变质",
              "description": "买到的菜已经变质", "amount_fen": 3000, "occurred_on": "2026-11-20",
              "evidence_urls": [], "contact_phone": "13800138000", "public_consent": True}
    complaint = ok(client.post("/api/v1/complaints", consumer, json=filing), 201)
    path = f"/api/v1/complaints/{complaint['complaint_id']}"
    ok(client.get(path, consumer))
    ok(client.get("/api/v1/complaints", consumer))
    ok(client.post(path + "/responses", merchant, json={
        "proposal": "refund", "message": "全额退款", "amount_fen": 3000}))
    ok(client.post(path + "/decision", consumer, json={"accept": False, "comment": "不够"}))
    ok(client.post(path + "/mediation", city, json={
        "outcome": "resolved", "relief": "monetary", "amount_recovered_fen": 3000,
        "notes": "调解成功"}))
    ok(client.post(path + "/rating", consumer, json={"satisfaction": 5}))
    second = ok(client.post("/api/v1/complaints", consumer,
                            json={**filing, "category": "price"}), 201)
    withdrawn = ok(client.post(f"/api/v1/complaints/{second['complaint_id']}/withdraw",
                               consumer, json={}))
    assert client.post("/api/v1/complaints", consumer,
                       json={**filing, "category": "price", "title": ""}).status_code == 422
    ok(client.get(f"/api/v1/public/merchants/{merchant_id}/complaints"))
    ok(client.get("/api/v1/stats/complaints", city))
    ok(client.get("/api/v1/hotspots", city))
    day = datetime.fromisoformat(withdrawn["closed_at"]).astimezone(CHINA_STANDARD_TIME)
    for format_name in ("csv", "ndjson"):  # open data, an addition to API.md
        assert client.get("/api/v1/public/open-data/complaints", params={
            "region": "330100", "day": f"{day:%Y-%m-%d}", "format": format_name}
        ).status_code == 200
    assert client.get("/api/v1/public/open-data/complaints",
                      params={"region": "330100", "day": "2099-12-31"}).status_code == 422

    # notifications and warnings
    inbox = poll(lambda: ok(client.get("/api/v1/me/notifications", merchant)),
                 lambda page: page["items"])
    ok(client.post(f"/api/v1/me/notifications/{inbox['items'][0]['notification_id']}/read",
                   merchant))
    ok(client.get("/api/v1/me/preferences", consumer))
    ok(client.put("/api/v1/me/preferences", consumer, json={"locale": "en", "region": "330106"}))
    warning = ok(client.post("/api/v1/warnings", city, json={
        "title": "预付卡提示", "body": "谨慎办理预付卡", "region": "330100"}), 201)
    ok(client.post(f"/api/v1/warnings/{warning['warning_id']}/publish", city))
    ok(client.get("/api/v1/public/warnings", params={"region": "330106"}))
    assert act(client, city, merchant_id, "warn").status_code == 200


@pytest.fixture(scope="module")
def toured(stack, system_env, merchants):
    taps = [RoutedTap(system_env["AMQP_URI"], source) for source in SOURCES]
    client = RecordingClient(stack.gateway_url)
    try:
        tour(client, merchants)
        events = poll(lambda: [event for tap in taps for event in tap.drain()],
                      lambda seen: {e["type"] for _, _, e in seen} >= EVENTS_OF_THE_TOUR,
                      seconds=30)
        yield client, events
    finally:
        for tap in taps:
            tap.close()


def body_of(response):
    if "application/json" in response.headers.get("Content-Type", ""):
        return response.json()
    return None


def test_every_answer_is_what_the_openapi_document_describes(toured, client):
    answers, _ = toured
    spec = client.get("/openapi.json").json()
    problems = [problem for method, path, response in answers.answers
                for problem in problems_with(spec, method, path, response.status_code,
                                             response.headers.get("Content-Type"),
                                             body_of(response))]
    assert not problems, "\n".join(problems)
    toured_templates = {operation_for(spec, method, path)[0]
                        for method, path, _ in answers.answers}
    documented = {(method, operation_for(spec, method, path)[0])
                  for method, path in documented_routes()}
    called = {(method, operation_for(spec, method, path)[0])
              for method, path, _ in answers.answers}
    assert documented - called == set(), "routes of API.md the tour did not call"
    assert None not in toured_templates


def test_every_event_is_what_the_asyncapi_document_describes(toured, client):
    _, events = toured
    document = client.get("/asyncapi.json").json()
    assert EVENTS_OF_THE_TOUR - {payload["type"] for _, _, payload in events} == set()
    for exchange, routing_key, payload in events:
        channel = document["channels"].get(f"{exchange}/{routing_key}")
        assert channel is not None, f"{exchange} {routing_key} is not in the document"
        assert channel["bindings"]["amqp"]["exchange"]["name"] == exchange
        message = document["components"]["messages"][
            channel["subscribe"]["message"]["$ref"].rsplit("/", 1)[1]]
        OAS30Validator(message["payload"]).validate(payload)
