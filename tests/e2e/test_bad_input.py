"""Bad input gets the documented 4xx, never a 500, and nothing is stored half-way."""
import http.client
import json
import socket
import time
from urllib.parse import urlsplit

import jwt
import pytest
from pymongo import MongoClient

from gateway.settings import DEV_SECRET
from plumbing.config import database_name
from tests.e2e.conftest import another_gateway
from tests.unit.test_auth import hand_signed

ISSUER, AUDIENCE = "fangxin", "fangxin-api"


def signed(secret=DEV_SECRET, algorithm="HS256", **overrides):
    claims = {"sub": "m-bad-owner", "role": "merchant", "merchant_id": "m-bad", "iss": ISSUER,
              "aud": AUDIENCE, "exp": int(time.time()) + 600, **overrides}
    return jwt.encode(claims, secret, algorithm=algorithm)


def unsigned():
    return jwt.encode({"sub": "m-bad-owner", "role": "merchant", "merchant_id": "m-bad",
                       "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600},
                      None, algorithm="none")


TOKENS = {
    "expired": lambda: signed(exp=int(time.time()) - 3600),
    "unsigned (alg none)": unsigned,
    "wrong key": lambda: signed(secret="not-the-secret-at-all-not-at-all"),
    "wrong issuer": lambda: signed(iss="someone-else"),
    "wrong audience": lambda: signed(aud="another-api"),
    "garbage": lambda: "not.a.jwt",
    "not yet valid": lambda: signed(nbf=int(time.time()) + 3600),
    "wrong algorithm (HS512)": lambda: signed(algorithm="HS512"),
    "wrong algorithm (RS256)": lambda: signed(secret=_rsa_key(), algorithm="RS256"),
    "no subject": lambda: signed(sub=""),
}


def _rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("kind", sorted(TOKENS))
def test_a_bad_token_is_401(client, merchants, kind):
    _, _, body = merchants.new()
    response = client.post("/api/v1/merchants", TOKENS[kind](), json=body)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"


def test_no_token_is_401_and_a_wrong_role_is_403(client, merchants):
    _, _, body = merchants.new()
    assert client.post("/api/v1/merchants", json=body).status_code == 401
    consumer = client.token(role="consumer", sub="c-1")
    response = client.post("/api/v1/merchants", consumer, json=body)
    assert response.status_code == 403 and response.json()["error"]["code"] == "FORBIDDEN"


def raw_post(client, token, data, content_type="application/json"):
    return client.post("/api/v1/merchants", token, data=data,
                       headers={"Content-Type": content_type})


def test_malformed_json_is_400(client, merchants):
    _, token, _ = merchants.new()
    for data in (b'{"name": ', b"\xff\xfe", b"", b"[" * 50000, b'{"a": NaN}', b'{"a": 1e999}'):
        response = raw_post(client, token, data)
        assert response.status_code == 400, data[:20]
        assert response.json()["error"]["code"] == "BAD_REQUEST"


def test_a_wrong_content_type_is_400(client, merchants):
    _, token, body = merchants.new()
    response = raw_post(client, token, b"name=x", "application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"


def test_an_oversized_body_is_413(client, merchants):
    _, token, body = merchants.new()
    body["address"] = "x" * 100_000
    response = client.post("/api/v1/merchants", token, json=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"

    def chunks():  # no Content-Length: the limit holds while reading
        yield b'{"address": "'
        for _ in range(100):
            yield b"y" * 1024
        yield b'"}'
    chunked = client.post("/api/v1/merchants", token, data=chunks(),
                          headers={"Content-Type": "application/json"})
    assert chunked.status_code == 413


def post_over_a_raw_socket(base_url, path, token, body, close):
    """``body`` sent whole with its Content-Length, and only then the answer read, as a client
    that writes its request before it reads: (status, headers, body)."""
    host, port = urlsplit(base_url).hostname, urlsplit(base_url).port
    head = (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            + ("Connection: close\r\n" if close else "") + "\r\n")
    with socket.create_connection((host, port), timeout=15) as sock:
        sock.sendall(head.encode() + body)  # a reset while sending fails the test here
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        return answer.status, answer.headers, answer.read()


@pytest.mark.parametrize("close", [False, True], ids=["keep-alive", "connection-close"])
def test_a_client_still_sending_a_large_body_reads_its_413(client, merchants, close):
    """A body of several MB is refused before it is read; the connection is closed after the
    answer without a reset, so a client that sends it all first still reads the 413."""
    _, token, _ = merchants.new()
    body = b'{"address": "' + b"x" * (8 * 1024 * 1024) + b'"}'
    status, headers, answer = post_over_a_raw_socket(client.base_url, "/api/v1/merchants", token,
                                                     body, close)
    assert status == 413
    assert headers["Content-Type"].startswith("application/json")
    error = json.loads(answer)["error"]
    assert error["code"] == "PAYLOAD_TOO_LARGE" and error["message"]


INJECTIONS = [
    ("name", {"$gt": ""}),
    ("credit_code", {"$ne": None}),
    ("region", {"$regex": ".*"}),
    ("address", {"$where": "sleep(1000)"}),
    ("contact_phone", ["13800138000"]),
    ("$where", "1 == 1"),
    ("declaration", {"items": {"$gt": True}}),
    ("commitments", {"no_reason_return_days": 10 ** 30}),
    ("location", {"lng": 1e308, "lat": 0}),
]


@pytest.mark.parametrize("field, value", INJECTIONS, ids=[f for f, _ in INJECTIONS])
def test_operators_and_wrong_types_are_422_and_nothing_is_stored(client, merchants,
                                                                 system_env, field, value):
    merchant_id, token, body = merchants.new()
    body[field] = value
    response = client.post("/api/v1/merchants", token, json=body)
    assert response.status_code in (400, 422), response.text
    error = response.json()["error"]
    if response.status_code == 422:
        assert error["code"] == "VALIDATION_ERROR"
        assert field in error["details"]
    stored = MongoClient(system_env["MONGO_URI"])[database_name("registry")]["merchants"]
    assert stored.find_one({"_id": merchant_id}) is None


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"},
                                    {"cursor": "!!!"}, {"cursor": "W3siJGd0IjoiIn0sIngiXQ"},
                                    {"unread": "perhaps"}])
def test_bad_list_parameters_are_422(client, params):
    token = client.token(role="consumer", sub="c-params")
    response = client.get("/api/v1/me/notifications", token, params=params)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_an_unknown_route_is_404_and_a_wrong_method_405(client):
    assert client.get("/api/v1/nothing-here").status_code == 404
    assert client.request("DELETE", "/healthz").status_code == 405


# --- a gateway configured for RS256 (JWT_PUBLIC_KEY, a multi-line PEM in the environment) -------

@pytest.fixture(scope="module")
def rs256(stack):
    """(client of a gateway that trusts only this RSA key, the private key)."""
    from cryptography.hazmat.primitives import serialization

    key = _rsa_key()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    with another_gateway(stack, "rs256", {"JWT_PUBLIC_KEY": public.decode()}) as client:
        yield client, key, public.decode()


def consumer_claims(**overrides):
    return {"sub": "rs-consumer", "role": "consumer", "iss": ISSUER, "aud": AUDIENCE,
            "exp": int(time.time()) + 600, **overrides}


def test_an_rs256_gateway_accepts_its_key_and_nothing_else(rs256):
    client, key, public = rs256
    good = jwt.encode(consumer_claims(), key, algorithm="RS256")
    assert client.get("/api/v1/me/preferences", good).status_code == 200
    refused = {
        "HS256 signed with the public key": hand_signed(
            {"alg": "HS256", "typ": "JWT"}, consumer_claims(), public),
        "HS256 with the development secret": jwt.encode(consumer_claims(), DEV_SECRET,
                                                        algorithm="HS256"),
        "alg none": jwt.encode(consumer_claims(), None, algorithm="none"),
        "another RSA key": jwt.encode(consumer_claims(), _rsa_key(), algorithm="RS256"),
        "wrong audience": jwt.encode(consumer_claims(aud="x"), key, algorithm="RS256"),
        "not yet valid": jwt.encode(consumer_claims(nbf=int(time.time()) + 3600), key,
                                    algorithm="RS256"),
    }
    for kind, token in refused.items():
        response = client.get("/api/v1/me/preferences", token)
        assert response.status_code == 401, (kind, response.text)
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("field, value", [
    ("claim_starts_at", "0235-06-15T08:27:44Z"), ("claim_ends_at", "9999-12-31T00:00:00Z"),
    ("valid_until", "1970-01-01T00:00:00+08:00")])
def test_a_campaign_time_out_of_2000_to_2099_is_422_and_nothing_is_stored(client, field,
                                                                           value, system_env):
    from tests.e2e.coupon_steps import campaign_body, operator_token

    body = campaign_body(**{field: value})
    response = client.post("/api/v1/campaigns", operator_token(client), json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["details"]
    campaigns = MongoClient(system_env["MONGO_URI"])[database_name("coupons")]["campaigns"]
    assert campaigns.find_one({"name": body["name"]}) is None


def test_a_complaint_about_a_day_before_2000_is_422(client, merchants):
    from tests.e2e.registry_steps import certify
    from tests.e2e.test_complaints import filing

    merchant_id, _, _ = certify(client, merchants)
    consumer = client.token(role="consumer", sub="c-year-1")
    response = client.post("/api/v1/complaints", consumer,
                           json=filing(merchant_id, occurred_on="0001-01-01"))
    assert response.status_code == 422
    assert "occurred_on" in response.json()["error"]["details"]


@pytest.mark.parametrize("claims, missing", [
    ({"role": "merchant", "sub": "m-no-id"}, {"merchant_id"}),
    ({"role": "regulator", "sub": "r-no-region"}, {"region", "level"}),
])
def test_a_dev_token_the_gateway_would_refuse_is_not_minted(client, claims, missing):
    response = client.post("/api/v1/auth/dev-token", json=claims)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and set(error["details"]) == missing


def test_a_path_no_route_has_is_404_and_a_method_it_lacks_405_in_api_md_s_body(client):
    """requests, like most API clients, accepts */*: under /api/ the answer is JSON anyway."""
    for path in ("/api/v1/no-such-route", "/api/v1/merchants/m-1/no-such-step"):
        missing = client.get(path)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "NOT_FOUND"
        assert missing.headers["X-Request-ID"]
    wrong = client.request("DELETE", "/api/v1/merchants")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert {"GET", "POST"} <= set(wrong.headers["Allow"].split(", "))
    english = client.request("PUT", "/healthz", headers={"Accept": "application/json",
                                                         "Accept-Language": "en"})
    assert english.status_code == 405 and english.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "PUT" in english.json()["error"]["message"]


def test_a_browser_gets_an_error_page_where_no_page_is(client):
    html = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "Accept-Language": "en"}
    missing = client.get("/m/no-such-page", headers=html)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")
    assert "No such page" in missing.text
    wrong = client.request("DELETE", "/s/any-code", headers=html)
    assert wrong.status_code == 405 and wrong.headers["Content-Type"].startswith("text/html")
    assert wrong.headers["Allow"] == "GET, HEAD, OPTIONS"
    asked_for_json = client.get("/m/no-such-page", headers={"Accept": "application/json"})
    assert asked_for_json.json()["error"]["code"] == "NOT_FOUND"
