"""Rate limits through a real gateway process: per consumer and per address on claims and
complaint filing, per address on the token-less public routes; 429 ``RATE_LIMITED`` with
``Retry-After``, and a refused request does nothing.

The session's gateway runs with the per-address limits off (every test calls from 127.0.0.1),
so these tests start a second gateway of their own with low limits, behind a pretend proxy
(``RATE_LIMIT_TRUSTED_PROXIES=1``): each test is a different client address via
``X-Forwarded-For``."""
import uuid

import pytest
from pymongo import MongoClient

from plumbing.config import database_name
from tests.e2e.conftest import another_gateway
from tests.e2e.coupon_steps import active_campaign, operator_token
from tests.e2e.registry_steps import certify

# day-long windows: the sliding window counts the previous window's requests with a weight
# that falls below one as soon as a new window starts, so a test whose requests straddled a
# minute's boundary saw its last one let through (1 run in about 50); a day's boundary falls
# inside a few seconds of requests about once in 5,000 runs
LIMITS = {"RATE_LIMIT_TRUSTED_PROXIES": "1",
          "RATE_LIMIT_CLAIMS_PER_CONSUMER": "3/day", "RATE_LIMIT_CLAIMS_PER_IP": "5/day",
          "RATE_LIMIT_COMPLAINTS_PER_CONSUMER": "2/day",
          "RATE_LIMIT_COMPLAINTS_PER_IP": "4/day", "RATE_LIMIT_PUBLIC_PER_IP": "5/day"}
WINDOW_SECONDS = 86400


@pytest.fixture(scope="module")
def limited(stack):
    """A client of a second gateway process with low limits."""
    with another_gateway(stack, "limited", LIMITS) as client:
        yield client


def address():
    """A client address of a test's own."""
    a, b, c = uuid.uuid4().bytes[:3]
    return f"10.{a}.{b}.{c}"


def from_(ip, **headers):
    return {"X-Forwarded-For": ip, **headers}


def assert_limited(response):
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= WINDOW_SECONDS
    return retry_after


@pytest.fixture(scope="module")
def campaign_id(client):
    return active_campaign(client, operator_token(client), total_quantity=1000)["campaign_id"]


def consumer(client):
    sub = f"limited-{uuid.uuid4().hex[:8]}"
    return sub, client.token(role="consumer", sub=sub)


def claim(limited, token, campaign_id, ip):
    return limited.post(f"/api/v1/campaigns/{campaign_id}/claims", token, json={},
                        headers=from_(ip))


def test_a_consumer_past_the_claim_limit_gets_429_and_others_do_not(client, limited,
                                                                    campaign_id):
    ip = address()
    _, token = consumer(client)
    answers = [claim(limited, token, campaign_id, ip).status_code for _ in range(3)]
    assert answers == [201, 409, 409]  # LIMIT_REACHED of the campaign: still counted
    assert_limited(claim(limited, token, campaign_id, ip))
    _, other = consumer(client)
    assert claim(limited, other, campaign_id, ip).status_code == 201


def test_an_address_past_the_claim_limit_gets_429_whoever_claims(client, limited, campaign_id,
                                                                 system_env):
    ip = address()
    for _ in range(5):
        assert claim(limited, consumer(client)[1], campaign_id, ip).status_code == 201
    sub, token = consumer(client)
    assert_limited(claim(limited, token, campaign_id, ip))
    # a forged entry in front of the address our proxy added changes nothing
    assert_limited(claim(limited, token, campaign_id, f"203.0.113.9, {ip}"))
    coupons = MongoClient(system_env["MONGO_URI"])[database_name("coupons")]["coupons"]
    assert coupons.count_documents({"consumer": sub}) == 0
    assert claim(limited, token, campaign_id, address()).status_code == 201


@pytest.fixture(scope="module")
def shop(client, merchants):
    return certify(client, merchants)[0]


def complaint(merchant_id, category):
    return {"merchant_id": merchant_id, "category": category, "title": "限流测试",
            "description": "测试", "occurred_on": "2026-11-01", "contact_phone": "13700001111"}


def test_complaint_filing_is_limited_per_consumer_and_a_refused_one_is_not_stored(
        client, limited, shop, system_env):
    ip = address()
    sub, token = consumer(client)
    for category in ("quality", "price"):
        response = limited.post("/api/v1/complaints", token, json=complaint(shop, category),
                                headers=from_(ip))
        assert response.status_code == 201, response.text
    assert_limited(limited.post("/api/v1/complaints", token, json=complaint(shop, "service"),
                                headers=from_(ip)))
    complaints = MongoClient(system_env["MONGO_URI"])[database_name("complaints")]["complaints"]
    assert complaints.count_documents({"consumer": sub}) == 2


def test_complaint_filing_is_limited_per_address(client, limited, shop):
    ip = address()
    for _ in range(4):
        response = limited.post("/api/v1/complaints", consumer(client)[1],
                                json=complaint(shop, "quality"), headers=from_(ip))
        assert response.status_code == 201, response.text
    assert_limited(limited.post("/api/v1/complaints", consumer(client)[1],
                                json=complaint(shop, "quality"), headers=from_(ip)))


def test_public_routes_are_limited_per_address_and_system_routes_are_not(limited):
    ip = address()
    for _ in range(5):
        assert limited.get("/api/v1/public/warnings", headers=from_(ip)).status_code == 200
    assert_limited(limited.get("/api/v1/public/merchants", headers=from_(ip)))
    assert limited.get("/s/no-such-store", headers=from_(ip)).status_code == 429
    for _ in range(10):
        assert limited.get("/healthz", headers=from_(ip)).status_code == 200
    assert limited.get("/api/v1/public/warnings", headers=from_(address())).status_code == 200


def test_the_api_document_names_429_on_limited_routes(limited):
    paths = limited.get("/openapi.json").json()["paths"]
    assert "429" in paths["/api/v1/campaigns/{campaign_id}/claims"]["post"]["responses"]
    assert "429" in paths["/api/v1/complaints"]["post"]["responses"]
    assert "429" in paths["/api/v1/public/warnings"]["get"]["responses"]
    assert "429" not in paths["/api/v1/complaints"]["get"]["responses"]
