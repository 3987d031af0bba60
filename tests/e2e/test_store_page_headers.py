"""What a consumer's browser gets with the store page, through the running gateway: the browser
protections on every HTML answer, the stylesheet and icon the page loads (cacheable; the icon no
longer a 404), /docs's assets gzip-compressed for clients that accept it, and a page that says
what a consumer needs to read: no complaints, no star grade yet, a group buy's price."""
import gzip

import pytest
import requests

from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, operator_token
from tests.e2e.registry_steps import certify, record

BUNDLE = "/docs/static/swagger-ui-bundle.js"


@pytest.fixture(scope="module")
def store(client, merchants):
    merchant_id, token, _ = certify(client, merchants, region="330106")
    return merchant_id, record(client, token, merchant_id)["store_code"]


def raw_get(client, path, **headers):
    """The answer as it came over the wire: requests asks for gzip and undoes it by default."""
    response = requests.get(client.url(path), headers=headers, timeout=15, stream=True)
    body = response.raw.read(decode_content=False)
    response.close()
    return response, body


def policy_of(response):
    return {part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
            for part in response.headers["Content-Security-Policy"].split(";")}


def assert_protected(response):
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = policy_of(response)
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    return policy


def test_every_store_page_answer_in_html_carries_the_browser_protections(client, store):
    _, code = store
    for path, status in ((f"/s/{code}", 200), ("/s/NoSuchStore0000", 404),
                         ("/s/not%20a%20code", 404)):
        response = client.get(path, headers={"Accept-Language": "en"} if status == 200 else {})
        assert response.status_code == status
        policy = assert_protected(response)
        assert policy["default-src"] == "'none'" and "script-src" not in policy
        assert policy["style-src"] == "'self'" and "unsafe-inline" not in str(policy)
    as_json = client.get(f"/api/v1/public/stores/{code}")
    assert as_json.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in as_json.headers


def test_docs_has_a_policy_of_its_own(client):
    policy = assert_protected(client.get("/docs"))
    assert policy["script-src"].startswith("'self' 'sha256-")
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)


def test_the_page_loads_its_stylesheet_and_icon_cacheable_from_the_gateway(client, store):
    _, code = store
    html = client.get(f"/s/{code}").text
    assert "<style" not in html and "<script" not in html
    for path, media in (("/static/store.css", "text/css"), ("/favicon.ico", "image/x-icon")):
        linked = html.split(f'href="{path}?v=', 1)[1].split('"', 1)[0]
        asset = client.get(f"{path}?v={linked}")
        assert asset.status_code == 200, path
        assert asset.headers["Content-Type"].startswith(media)
        assert asset.headers["Cache-Control"] == "public, max-age=86400"
        assert asset.headers["X-Content-Type-Options"] == "nosniff"
        again = client.get(path, headers={"If-None-Match": asset.headers["ETag"]})
        assert again.status_code == 304 and not again.content
    assert b".badge" in client.get("/static/store.css").content
    assert client.get("/favicon.ico").content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_docs_bundle_is_gzipped_for_a_client_that_accepts_gzip(client):
    plain, plain_body = raw_get(client, BUNDLE, **{"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(plain_body) > 1_000_000 and "Accept-Encoding" in plain.headers["Vary"]
    zipped, zipped_body = raw_get(client, BUNDLE, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200 and zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert int(zipped.headers["Content-Length"]) == len(zipped_body) < len(plain_body) / 3
    assert gzip.decompress(zipped_body) == plain_body
    assert zipped.headers["Content-Type"].startswith("application/javascript")
    # the API document too, and every answer stays readable by a client that undoes it
    assert raw_get(client, "/openapi.json", **{"Accept-Encoding": "gzip"})[0] \
        .headers["Content-Encoding"] == "gzip"
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")


def test_a_unit_without_complaints_or_stars_says_so(client, store):
    _, code = store
    page = client.get(f"/api/v1/public/stores/{code}").json()
    assert page["complaints"]["total"] == 0 and page["stars"] == 0
    html = client.get(f"/s/{code}").text
    assert 'id="complaints"' in html and "近 12 个月无投诉" in html
    assert "暂未评定星级" in html and "☆" not in html and "0 星" not in html
    english = client.get(f"/s/{code}", headers={"Accept-Language": "en"}).text
    assert "No complaints in the last 12 months" in english and "Not yet rated" in english


def test_a_group_buy_shows_its_price(client, merchants):
    merchant_id, token, _ = certify(client, merchants, region="330106")
    code = record(client, token, merchant_id)["store_code"]
    client.get(f"/s/{code}")
    deal = active_campaign(client, operator_token(client), "group_buy", face_value_fen=6800,
                           eligibility={"merchant_ids": [merchant_id]})
    html = poll(lambda: client.get(f"/s/{code}").text, lambda text: deal["name"] in text,
                seconds=5)
    row = html.split(deal["name"], 1)[1].split("</li>", 1)[0]
    assert "团购价68元" in row and "立减" not in row
