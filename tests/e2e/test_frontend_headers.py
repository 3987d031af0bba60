"""What a browser frontend on another origin relies on, through the running gateway: CORS,
answers in zh-CN or en, and ETag / If-None-Match on the public pages."""
import pytest

from tests.e2e.registry_steps import certify

FRONTEND = "https://app.fangxin.test"  # CORS_ORIGINS of the test stack (tests/conftest.py)
ELSEWHERE = "https://evil.example"


def preflight(client, path, origin, method="POST"):
    return client.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type, idempotency-key"})


@pytest.fixture(scope="module")
def store(client, merchants):
    merchant_id, _, _ = certify(client, merchants)
    regulator = client.token(role="regulator", sub="reg-city", region="330100", level="city")
    return client.get(f"/api/v1/merchants/{merchant_id}", regulator).json()["store_code"]


def test_a_preflight_from_a_listed_origin_is_answered_with_what_may_be_sent(client):
    response = preflight(client, "/api/v1/campaigns/abc/claims", FRONTEND)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == FRONTEND
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"]
               .split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_from_another_origin_is_refused_without_cors_headers(client):
    response = preflight(client, "/api/v1/merchants", ELSEWHERE)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_actual_answers_carry_cors_headers_for_the_listed_origin_only(client):
    mine = client.get("/api/v1/registry/standard", headers={"Origin": FRONTEND})
    assert mine.status_code == 200
    assert mine.headers["Access-Control-Allow-Origin"] == FRONTEND
    exposed = mine.headers["Access-Control-Expose-Headers"]
    assert "X-Request-ID" in exposed and "ETag" in exposed
    assert "Origin" in mine.headers["Vary"]
    theirs = client.get("/api/v1/registry/standard", headers={"Origin": ELSEWHERE})
    assert theirs.status_code == 200 and "Access-Control-Allow-Origin" not in theirs.headers
    assert "Origin" in theirs.headers["Vary"]
    # errors too: a browser must be able to read why it was refused
    refused = client.get("/api/v1/me/coupons", headers={"Origin": FRONTEND})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == FRONTEND


def test_errors_are_in_chinese_by_default_and_in_english_on_request(client):
    default = client.get("/api/v1/me/coupons")
    chinese = client.get("/api/v1/me/coupons", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    english = client.get("/api/v1/me/coupons", headers={"Accept-Language": "en-US,en;q=0.8"})
    assert default.status_code == chinese.status_code == english.status_code == 401
    assert default.json()["error"]["code"] == english.json()["error"]["code"] == "UNAUTHENTICATED"
    assert default.json()["error"]["message"] == chinese.json()["error"]["message"] == \
        "未登录或登录凭证无效"
    assert default.headers["Content-Language"] == "zh-CN"
    assert english.headers["Content-Language"] == "en"
    assert english.json()["error"]["message"].isascii()
    assert "Accept-Language" in english.headers["Vary"]


def test_a_domain_error_from_a_service_is_translated_too(client):
    unknown = "/api/v1/public/stores/no-such-store-0"
    zh = client.get(unknown).json()["error"]
    en = client.get(unknown, headers={"Accept-Language": "en"}).json()["error"]
    assert zh["code"] == en["code"] == "STORE_NOT_FOUND"
    assert zh["message"] == "未找到该商户"
    assert en["message"].isascii() and "store" in en["message"]


def test_the_store_page_speaks_english_when_asked(client, store):
    zh = client.get(f"/api/v1/public/stores/{store}").json()
    en = client.get(f"/api/v1/public/stores/{store}", headers={"Accept-Language": "en"}).json()
    assert (zh["locale"], en["locale"]) == ("zh-CN", "en")
    assert zh["badge"]["label"] == zh["badge"]["label_zh"] == "放心消费单位"
    assert en["badge"]["label"] == "Trusted-consumption unit"
    assert en["badge"]["label_zh"] == "放心消费单位"  # API.md's field stays as it is
    assert (zh["industry_label"], en["industry_label"]) == ("餐饮", "catering")
    html_en = client.get(f"/s/{store}", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in html_en.text and "Trusted-consumption unit" in html_en.text
    assert "Call 12315" in html_en.text
    html_zh = client.get(f"/s/{store}")
    assert '<html lang="zh-CN">' in html_zh.text and "拨打 12315" in html_zh.text


@pytest.mark.parametrize("path", ["/api/v1/public/stores/{code}", "/s/{code}",
                                  "/api/v1/public/merchants?region=330106",
                                  "/api/v1/public/campaigns?region=330106"])
def test_public_pages_answer_304_to_a_matching_if_none_match(client, store, path):
    url = path.format(code=store)
    first = client.get(url)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=7"  # PUBLIC_CACHE_SECONDS
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert "max-age=7" in again.headers["Cache-Control"]
    stale = client.get(url, headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_the_etag_differs_by_language(client, store):
    url = f"/api/v1/public/stores/{store}"
    zh = client.get(url)
    en = client.get(url, headers={"Accept-Language": "en"})
    assert zh.headers["ETag"] != en.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": zh.headers["ETag"],
                                    "Accept-Language": "en"}).status_code == 200


def test_private_answers_get_no_cache_validators(client):
    token = client.token(role="consumer", sub="c-etag")
    response = client.get("/api/v1/me/coupons", token)
    assert response.status_code == 200
    assert "ETag" not in response.headers and "public" not in \
        response.headers.get("Cache-Control", "")
