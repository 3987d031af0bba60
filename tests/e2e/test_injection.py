"""Mongo operator injection, huge numbers, deep nesting and invalid UTF-8 on every kind of input
the gateway takes (complaint filing, claims, redemptions, query strings, path parameters): the
documented 4xx, and nothing stored."""
import json
import re
import uuid

import pytest
from pymongo import MongoClient

from plumbing.config import database_name
from tests.e2e.coupon_steps import active_campaign, claim, operator_token
from tests.e2e.registry_steps import certify

OPERATORS = [{"$gt": ""}, {"$ne": None}, {"$where": "sleep(1000) || true"},
             {"$regex": ".*"}, {"$in": ["a", "b"]}, {"$expr": {"$eq": [1, 1]}}]
HUGE = [10 ** 30, -(10 ** 30), 1e308, 2 ** 63, 2 ** 64 + 1]


def nested(depth, leaf="x"):
    value = leaf
    for _ in range(depth):
        value = {"a": value}
    return value


def store(system_env, service):
    return MongoClient(system_env["MONGO_URI"])[database_name(service)]


def assert_refused(response, *statuses):
    assert response.status_code in (statuses or (400, 422)), (response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] in ("BAD_REQUEST", "VALIDATION_ERROR", "NOT_FOUND",
                             "MERCHANT_NOT_FOUND", "STORE_NOT_FOUND", "COUPON_NOT_FOUND")
    return error


@pytest.fixture(scope="module")
def shop(client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    return merchant_id, token


@pytest.fixture(scope="module")
def campaign_id(client):
    return active_campaign(client, operator_token(client))["campaign_id"]


@pytest.fixture
def consumer(client):
    sub = f"inject-{uuid.uuid4().hex[:8]}"
    return sub, client.token(role="consumer", sub=sub)


def filing(merchant_id):
    return {"merchant_id": merchant_id, "category": "quality", "title": "变质",
            "description": "牛奶变质",
            "amount_fen": 100, "occurred_on": "2026-11-01", "contact_phone": "13912340000",
            "public_consent": False}


COMPLAINT_FIELDS = ["merchant_id", "category", "title", "description", "amount_fen",
                    "occurred_on", "contact_phone", "public_consent", "evidence_urls"]
COMPLAINT_CASES = ([(field, value) for field in COMPLAINT_FIELDS for value in OPERATORS[:3]]
                   + [("amount_fen", value) for value in HUGE]
                   + [("description", nested(200)), ("$where", "1 == 1"),
                      ("merchant_id", "x' || '1'=='1")])


@pytest.mark.parametrize("field, value", COMPLAINT_CASES,
                         ids=[f"{f}={json.dumps(v)[:30]}" for f, v in COMPLAINT_CASES])
def test_a_poisoned_complaint_is_refused_and_not_stored(client, system_env, shop, consumer,
                                                        field, value):
    sub, token = consumer
    body = {**filing(shop[0]), field: value}
    error = assert_refused(client.post("/api/v1/complaints", token, json=body), 404, 422)
    if error["code"] == "VALIDATION_ERROR":
        assert field in error["details"] or "_schema" in error["details"], error
    assert store(system_env, "complaints")["complaints"].count_documents({"consumer": sub}) == 0


@pytest.mark.parametrize("value", OPERATORS[:3] + [nested(100), 10 ** 30])
def test_a_poisoned_claim_is_refused_and_no_coupon_is_issued(client, system_env, campaign_id,
                                                             consumer, value):
    sub, token = consumer
    assert_refused(claim(client, token, campaign_id, body={"merchant_id": value}), 422)
    assert store(system_env, "coupons")["coupons"].count_documents({"consumer": sub}) == 0


@pytest.mark.parametrize("body", [{"code": {"$gt": ""}, "order_amount_fen": 100},
                                  {"code": {"$ne": None}, "order_amount_fen": 100},
                                  {"code": "x", "order_amount_fen": {"$gt": 0}},
                                  {"code": "x", "order_amount_fen": 10 ** 30},
                                  {"code": ".*", "order_amount_fen": 100}])
def test_a_poisoned_redemption_redeems_nothing(client, system_env, shop, body):
    before = store(system_env, "coupons")["redemptions"].count_documents({})
    assert_refused(client.post("/api/v1/redemptions", shop[1], json=body), 404, 422)
    assert store(system_env, "coupons")["redemptions"].count_documents({}) == before


QUERY_CASES = [
    ("/api/v1/complaints", "consumer", {"status[$ne]": "x", "merchant_id": '{"$gt": ""}'}),
    ("/api/v1/complaints", "consumer", {"merchant_id": "$gt"}),
    ("/api/v1/complaints", "consumer", {"from": '{"$gt": ""}'}),
    ("/api/v1/public/merchants", None, {"region": '{"$regex": ".*"}'}),
    ("/api/v1/public/merchants", None, {"near": "1e999,0"}),
    ("/api/v1/public/merchants", None, {"radius_m": str(10 ** 30)}),
    ("/api/v1/public/campaigns", None, {"merchant_id": '{"$ne": null}'}),
    ("/api/v1/public/warnings", None, {"region": "$where"}),
    ("/api/v1/me/coupons", "consumer", {"limit": str(10 ** 30)}),
    ("/api/v1/me/notifications", "consumer", {"cursor": json.dumps({"$gt": ""})}),
]


@pytest.mark.parametrize("path, role, params", QUERY_CASES,
                         ids=[f"{p}?{json.dumps(q)[:40]}" for p, _, q in QUERY_CASES])
def test_operators_in_query_strings_never_widen_a_query(client, path, role, params):
    token = client.token(role=role, sub=f"inject-q-{uuid.uuid4().hex[:6]}") if role else None
    response = client.get(path, token, params=params)
    if response.status_code == 200:  # an ignored unknown parameter: still only the caller's own
        assert response.json()["items"] == []
    else:
        assert_refused(response, 422)


def test_an_operator_in_the_query_string_key_is_ignored_not_obeyed(client, shop):
    """``status[$ne]=x`` is not a parameter we know: it changes nothing."""
    token = shop[1]
    plain = client.get("/api/v1/complaints", token).json()
    poisoned = client.get("/api/v1/complaints", token, params={"merchant_id[$ne]": "x"}).json()
    assert poisoned == plain


@pytest.mark.parametrize("segment", ['{"$gt":""}', "$where", ".*", "%00", "a" * 300])
def test_odd_path_parameters_are_404(client, shop, segment):
    _, token = shop
    for path in (f"/api/v1/merchants/{segment}", f"/api/v1/complaints/{segment}",
                 f"/api/v1/public/stores/{segment}"):
        response = client.get(path, token)
        assert response.status_code in (403, 404), (path, response.text)


@pytest.mark.parametrize("raw", [b'{"category": "\xff\xfe"}', b'{"title": "\xed\xa0\x80"}',
                                 b"\xc3\x28", b'{"a":' * 10000 + b"1" + b"}" * 10000])
def test_invalid_utf8_and_deep_nesting_in_a_complaint_are_400(client, system_env, consumer, raw):
    sub, token = consumer
    response = client.post("/api/v1/complaints", token, data=raw,
                           headers={"Content-Type": "application/json"})
    assert_refused(response, 400, 413)
    assert store(system_env, "complaints")["complaints"].count_documents({"consumer": sub}) == 0


def test_a_deeply_nested_but_small_body_is_refused(client, consumer):
    _, token = consumer
    response = client.post("/api/v1/complaints", token, data=b"[" * 30000 + b"]" * 30000,
                           headers={"Content-Type": "application/json"})
    assert_refused(response, 400)


# --- every field of every body ----------------------------------------------------------------

SIGNED_AS = {"consumer": dict(role="consumer", sub="inject-every-field"),
             "merchant": dict(role="merchant", sub="inject-owner", merchant_id="inject-m"),
             "regulator": dict(role="regulator", sub="inject-r", region="330100", level="city"),
             "operator": dict(role="operator", sub="inject-operator"),
             "system": dict(role="system", sub="inject-feed"), None: None}
# what a body of each creating route would add, counted before and after
CREATED = {"/api/v1/merchants": ("registry", "merchants"),
           "/api/v1/complaints": ("complaints", "complaints"),
           "/api/v1/campaigns": ("coupons", "campaigns"),
           "/api/v1/warnings": ("notifications", "warnings"),
           "/api/v1/spot-checks": ("registry", "spot_checks")}


def body_routes():
    from gateway.openapi import routes_of
    from gateway.service import GatewayService
    for _, route in sorted(routes_of(GatewayService), key=lambda pair: pair[1].url):
        if route.body_schema is not None:
            schema = route.body_schema() if isinstance(route.body_schema, type) \
                else route.body_schema
            names = [f.data_key or n for n, f in schema.fields.items() if not f.dump_only]
            yield route.method, route.url, (route.roles or (None,))[0], names


BODY_ROUTES = list(body_routes())


@pytest.mark.parametrize("method, url, role, names", BODY_ROUTES,
                         ids=[f"{m} {u}" for m, u, _, _ in BODY_ROUTES])
def test_an_operator_in_any_field_of_any_body_is_refused(client, system_env, method, url,
                                                         role, names):
    """Each field in turn carries ``{"$gt": ""}``: 4xx (422 names the field), nothing created."""
    token = client.token(**SIGNED_AS[role]) if SIGNED_AS[role] else None
    path = re.sub(r"<(?:\w+:)?\w+>", "no-such-object", url)
    created = CREATED.get(url)
    before = store(system_env, created[0])[created[1]].count_documents({}) if created else None
    for name in names:
        response = client.request(method, path, token, json={name: {"$gt": ""}})
        assert 400 <= response.status_code < 500, (name, response.status_code, response.text)
        error = response.json()["error"]
        if response.status_code == 422:
            assert name in error["details"], (name, error)
    if created:
        assert store(system_env, created[0])[created[1]].count_documents({}) == before
