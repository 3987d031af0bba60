"""The complaint pages a store page's 我要投诉 opens, in a phone's browser: a stranger is sent to
sign in and back; the shop is filled in from its code; the preview shows exactly the masked text
the public record then shows; the complaint filed appears in "my complaints" with its status
and deadline; every form refused without its CSRF token."""
import re
from urllib.parse import quote

import requests

from devtools.waiting import poll
from tests.e2e.registry_steps import certify, record
from tests.e2e.test_sign_in_pages import form_token

TEXT = "店员张三拒绝退货，还说我投诉也没用，他的电话13812345678。"


def shop(client, merchants):
    merchant_id, token, body = certify(client, merchants)
    return merchant_id, record(client, token, merchant_id)["store_code"], body["name"]


def signed_in_browser(client, sub):
    browser = requests.Session()
    browser.cookies.set("fx_session", client.token(role="consumer", sub=sub))
    return browser


def form_of(page, code, **changes):
    return {"csrf_token": form_token(page), "store_code": code, "category": "refund_refused",
            "title": "拒绝退货", "description": TEXT, "amount_yuan": "25.50",
            "occurred_on": "2026-11-01", "evidence": "https://example.org/receipt.jpg",
            "contact_phone": "13900001111", "public_consent": "yes", **changes}


def test_a_stranger_is_sent_to_sign_in_and_back(client, merchants):
    _, code, _ = shop(client, merchants)
    answer = requests.get(client.url(f"/m/complaints/new?store_code={code}"),
                          allow_redirects=False, timeout=10)
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/m/sign-in?next=" + quote(
        f"/m/complaints/new?store_code={code}")
    store_page = client.get(f"/api/v1/public/stores/{code}").json()
    assert store_page["complaint_url"] == f"/m/complaints/new?store_code={code}"


def test_a_consumer_previews_files_and_finds_the_complaint(client, merchants):
    merchant_id, code, name = shop(client, merchants)
    browser = signed_in_browser(client, f"page-consumer-{code}")
    page = browser.get(client.url(f"/m/complaints/new?store_code={code}"), timeout=10)
    assert page.status_code == 200 and name in page.text
    assert "no-store" in page.headers["Cache-Control"]

    preview = browser.post(client.url("/m/complaints/preview"), data=form_of(page, code),
                           timeout=10)
    assert preview.status_code == 200, preview.text
    shown = re.search(r'id="preview-summary">([^<]*)<', preview.text).group(1)
    assert "张三" not in shown and "13812345678" not in shown and "拒绝退货" in shown
    assert "25.50" in preview.text, "the form keeps what was typed"

    filed = browser.post(client.url("/m/complaints/new"), data=form_of(preview, code),
                         allow_redirects=False, timeout=10)
    assert (filed.status_code, filed.headers["Location"]) == (303, "/m/complaints?filed=true")
    mine = browser.get(client.url("/m/complaints?filed=true"), timeout=10)
    assert "拒绝退货" in mine.text and "待商户答复" in mine.text and "答复期限" in mine.text
    [complaint] = client.get("/api/v1/complaints", client.token(
        role="consumer", sub=f"page-consumer-{code}")).json()["items"]
    assert (complaint["merchant_id"], complaint["amount_fen"], complaint["public_consent"]) == (
        merchant_id, 2550, True)

    published = poll(lambda: client.get(
        f"/api/v1/public/merchants/{merchant_id}/complaints").json()["summaries"], bool)
    assert published[0]["summary"] == shown, "what is published is what the preview showed"


def test_bad_input_is_said_on_the_form_and_nothing_is_filed(client, merchants):
    _, code, _ = shop(client, merchants)
    sub = f"page-bad-{code}"
    browser = signed_in_browser(client, sub)
    page = browser.get(client.url(f"/m/complaints/new?store_code={code}"), timeout=10)
    for changes in ({"amount_yuan": "二十"}, {"contact_phone": "12"}, {"category": "nonsense"},
                    {"title": ""}, {"evidence": "javascript:alert(1)"}):
        answer = browser.post(client.url("/m/complaints/new"), data=form_of(page, code, **changes),
                              allow_redirects=False, timeout=10)
        assert answer.status_code == 422 and 'id="errors"' in answer.text, changes
    refused = browser.post(client.url("/m/complaints/new"),
                           data=form_of(page, code, csrf_token="1.x"), timeout=10)
    assert refused.status_code == 403
    unknown = browser.get(client.url("/m/complaints/new?store_code=NoSuchShop1"), timeout=10)
    assert unknown.status_code == 404 and "未找到该商户" in unknown.text
    assert client.get("/api/v1/complaints", client.token(role="consumer", sub=sub)).json()[
        "items"] == []


def test_the_consumer_accepts_the_shops_proposal_and_rates_it_on_the_complaints_page(
        client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    sub = f"page-decider-{merchant_id}"
    filed = client.post("/api/v1/complaints", client.token(role="consumer", sub=sub), json={
        "merchant_id": merchant_id, "category": "quality", "title": "牛奶变质",
        "description": "买的牛奶已经变质", "amount_fen": 1200, "occurred_on": "2026-11-01",
        "contact_phone": "13900001111"}).json()
    complaint_id, browser = filed["complaint_id"], signed_in_browser(client, sub)
    url = client.url(f"/m/complaints/{complaint_id}")
    assert "待商户答复" in browser.get(url, timeout=10).text
    answered = client.post(f"/api/v1/complaints/{complaint_id}/responses", token, json={
        "proposal": "refund", "message": "全额退款并致歉", "amount_fen": 1200})
    assert answered.status_code == 200, answered.text

    page = browser.get(url, timeout=10)
    assert "全额退款并致歉" in page.text and "¥12.00" in page.text and 'id="accept"' in page.text
    accepted = browser.post(f"{url}/decision", allow_redirects=False, timeout=10, data={
        "csrf_token": form_token(page), "accept": "yes", "comment": "满意"})
    assert (accepted.status_code, accepted.headers["Location"]) == (
        303, f"/m/complaints/{complaint_id}")
    closed = browser.get(url, timeout=10)
    assert "已办结" in closed.text and 'id="rate"' in closed.text and "接受方案" in closed.text
    again = browser.post(f"{url}/decision", timeout=10, data={
        "csrf_token": form_token(closed), "accept": "no"})
    assert again.status_code == 409 and 'id="error"' in again.text

    rated = browser.post(f"{url}/rating", timeout=10, data={
        "csrf_token": form_token(closed), "satisfaction": "5"})
    assert rated.status_code == 200 and "您的满意度：5 分" in rated.text
    assert client.get(f"/api/v1/complaints/{complaint_id}", client.token(
        role="consumer", sub=sub)).json()["satisfaction"] == 5
    other = signed_in_browser(client, "page-somebody-else").get(url, timeout=10)
    assert other.status_code in (403, 404), "another consumer never sees it"
