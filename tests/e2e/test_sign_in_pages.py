"""The sign-in pages a phone's browser reaches from a store's QR code: the phone form, the code
form with the code the SMS provider received, an HttpOnly session cookie holding a consumer
token, and back to the page it came from (never to another site); every form refused without
its CSRF token (tests/e2e/test_consumer_journey.py walks them in Chromium)."""
import re
from urllib.parse import urlsplit

import requests

from tests.e2e.registry_steps import certify, record
from tests.e2e.test_sign_in import code_sent_to, new_phone

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(page):
    return TOKEN.search(page.text).group(1)


def store_path(client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    return f"/s/{record(client, token, merchant_id)['store_code']}"


def test_a_consumer_signs_in_from_a_store_page_and_goes_back_to_it(client, merchants,
                                                                   providers):
    back, browser, phone = store_path(client, merchants), requests.Session(), new_phone()
    first = browser.get(client.url("/m/sign-in"), params={"next": back}, timeout=10)
    assert first.status_code == 200 and "获取验证码" in first.text
    policy = first.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "form-action 'self'" in policy
    assert "no-store" in first.headers["Cache-Control"]

    asked = browser.post(client.url("/m/sign-in"), timeout=10, data={
        "csrf_token": form_token(first), "next": back, "phone": phone})
    assert asked.status_code == 200, asked.text
    assert f"{phone[:3]}****{phone[-4:]}" in asked.text and phone not in asked.text.replace(
        f'value="{phone}"', "")
    code = code_sent_to(providers, phone)

    wrong = browser.post(client.url("/m/sign-in/code"), timeout=10, data={
        "csrf_token": form_token(asked), "next": back, "phone": phone,
        "code": f"{(int(code) + 1) % 10 ** 6:06d}"})
    assert wrong.status_code == 401 and "还可尝试 4 次" in wrong.text
    signed_in = browser.post(client.url("/m/sign-in/code"), allow_redirects=False, timeout=10,
                             data={"csrf_token": form_token(wrong), "next": back,
                                   "phone": phone, "code": code})
    assert (signed_in.status_code, signed_in.headers["Location"]) == (303, back)
    cookie = signed_in.headers["Set-Cookie"]
    assert cookie.startswith("fx_session=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    session = browser.cookies["fx_session"]
    preferences = client.get("/api/v1/me/preferences", session)
    assert preferences.json()["contacts"]["phone"] == phone  # the consumer's own token


def test_a_form_without_its_token_is_refused_and_next_never_leaves_the_site(client, providers):
    browser = requests.Session()
    page = browser.get(client.url("/m/sign-in"), timeout=10)
    refused = browser.post(client.url("/m/sign-in"), data={"phone": new_phone()}, timeout=10,
                           headers={"Accept": "text/html,*/*;q=0.8"})
    assert refused.status_code == 403 and "页面已过期" in refused.text, "a person reads a page"
    assert refused.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in refused.headers["Content-Security-Policy"]
    asked_for_json = browser.post(client.url("/m/sign-in"), data={"phone": new_phone()},
                                  headers={"Accept": "application/json"}, timeout=10)
    assert asked_for_json.status_code == 403
    assert asked_for_json.json()["error"]["code"] == "FORBIDDEN"
    assert requests.post(client.url("/m/sign-in"), timeout=10, data={
        "csrf_token": form_token(page), "phone": new_phone()}).status_code == 403  # no cookie
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "x"):
        phone = new_phone()
        asked = browser.post(client.url("/m/sign-in"), timeout=10, data={
            "csrf_token": form_token(page), "next": elsewhere, "phone": phone})
        done = browser.post(client.url("/m/sign-in/code"), allow_redirects=False, timeout=10,
                            data={"csrf_token": form_token(asked), "next": elsewhere,
                                  "phone": phone, "code": code_sent_to(providers, phone)})
        assert done.status_code == 303
        assert urlsplit(done.headers["Location"]).netloc == "", done.headers["Location"]
        assert done.headers["Location"] == "/m/sign-in"


def test_a_bad_phone_is_said_on_the_page(client):
    browser = requests.Session()
    page = browser.get(client.url("/m/sign-in"), headers={"Accept-Language": "en"}, timeout=10)
    answer = browser.post(client.url("/m/sign-in"), headers={"Accept-Language": "en"},
                          data={"csrf_token": form_token(page), "phone": "12345"}, timeout=10)
    assert answer.status_code == 422 and "Enter an 11-digit mobile number." in answer.text
