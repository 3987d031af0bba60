"""One store, one code, end to end: a unit certified through the API gets a store code whose QR
code a real decoder reads back to the public page, which a real browser (headless Chromium)
shows with the unit's badge, licences, commitments, the 12315 hotline and the complaint link;
a suspended unit's page says so; unknown codes get a friendly 404."""
import xml.etree.ElementTree as ElementTree

from devtools.waiting import poll
from tests.browser import dump_dom
from tests.qr_reader import qr_texts

REVIEWERS = (("onsite", "station", "330106"), ("county", "county", "330106"),
             ("final", "city", "330100"))


def regulator(client, level, region):
    return client.token(role="regulator", sub=f"{level}-{region}-inspector", region=region,
                        level=level)


def certified_unit(client, merchants):
    """(merchant_id, owner token, application body, store code) of a freshly certified unit."""
    merchant_id, token, body = merchants.new(region="330106")
    applied = client.post("/api/v1/merchants", token, json=body)
    assert applied.status_code == 201 and applied.json()["status"] == "pending_onsite", \
        applied.text
    for stage, level, region in REVIEWERS:
        review = client.post(f"/api/v1/merchants/{merchant_id}/reviews",
                             regulator(client, level, region),
                             json={"stage": stage, "decision": "pass", "notes": f"{stage} 通过"})
        assert review.status_code == 200, review.text
    record = client.get(f"/api/v1/merchants/{merchant_id}", token).json()
    assert record["status"] == "certified" and record["store_code"], record
    return merchant_id, token, body, record["store_code"]


def scans(client, merchant_id, token, expected=None):
    """The unit's scan count; with ``expected``, once the gateway has reported that many (it
    reports scans to the registry every STORE_SCAN_REPORT_SECONDS)."""
    def count():
        return client.get(f"/api/v1/merchants/{merchant_id}", token).json()["scan_count"]
    return count() if expected is None else poll(count, lambda n: n == expected, seconds=10)


def test_a_certified_units_qr_code_opens_its_page_in_a_browser(client, merchants):
    merchant_id, token, body, code = certified_unit(client, merchants)

    png = client.get(f"/s/{code}/qr.png")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
    [url] = qr_texts(png.content)
    assert url == f"{client.base_url}/s/{code}"  # the stack's PUBLIC_BASE_URL is the gateway
    svg = client.get(f"/s/{code}/qr.svg")
    assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg+xml")
    assert ElementTree.fromstring(svg.content).tag == "{http://www.w3.org/2000/svg}svg"
    assert scans(client, merchant_id, token) == 0  # drawing the code is not a scan

    dom = dump_dom(url)
    assert 'lang="zh-CN"' in dom and 'name="viewport"' in dom
    assert body["name"] in dom
    assert 'data-status="certified"' in dom and "放心消费单位" in dom
    assert "营业执照" in dom and body["licences"][0]["number"] in dom
    assert "线下购物7天无理由退货" in dom and "首问负责制" in dom
    assert 'href="tel:12315"' in dom
    assert f'href="/m/complaints/new?store_code={code}"' in dom and "我要投诉" in dom
    assert body["contact_phone"] not in dom
    assert scans(client, merchant_id, token, expected=1) == 1


def test_the_store_page_as_json(client, merchants):
    merchant_id, _, body, code = certified_unit(client, merchants)
    response = client.get(f"/api/v1/public/stores/{code}")
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["store_code"] == code and page["merchant_id"] == merchant_id
    assert page["name"] == body["name"]
    assert page["badge"]["status"] == "certified" and page["badge"]["label_zh"] == "放心消费单位"
    assert page["hotline"] == "12315"
    assert page["complaint_url"] == f"/m/complaints/new?store_code={code}"
    assert page["rating"] == {"count": 0, "average": None}
    assert [licence["expired"] for licence in page["licences"]] == [False, False]
    assert body["contact_phone"] not in response.text and "contact_phone" not in page


def test_a_suspended_unit_says_so_instead_of_disappearing(client, merchants):
    merchant_id, _, body, code = certified_unit(client, merchants)
    suspended = client.post(f"/api/v1/merchants/{merchant_id}/actions",
                            regulator(client, "county", "330106"),
                            json={"action": "suspend", "reason": "抽检不合格，停业整改"})
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"

    page = client.get(f"/api/v1/public/stores/{code}").json()
    assert page["status"] == "suspended" and page["badge"]["tone"] == "bad"
    dom = dump_dom(f"{client.base_url}/s/{code}")
    assert body["name"] in dom
    assert 'data-status="suspended"' in dom and "已暂停" in dom
    assert 'role="alert"' in dom and "资格已暂停" in dom
    assert 'href="tel:12315"' in dom and "我要投诉" in dom


def test_an_unknown_code_gets_a_friendly_404(client):
    html = client.get("/s/NoSuchStore0000")
    assert html.status_code == 404
    assert html.headers["Content-Type"].startswith("text/html")
    assert "未找到该商户" in html.text and 'href="tel:12315"' in html.text
    dom = dump_dom(f"{client.base_url}/s/NoSuchStore0000")
    assert 'lang="zh-CN"' in dom and "未找到该商户" in dom

    as_json = client.get("/api/v1/public/stores/NoSuchStore0000")
    assert as_json.status_code == 404
    assert as_json.json()["error"]["code"] == "STORE_NOT_FOUND"
    for image in ("qr.png", "qr.svg"):
        missing = client.get(f"/s/NoSuchStore0000/{image}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "STORE_NOT_FOUND"
    assert client.get("/s/not%20a%20code").status_code == 404
