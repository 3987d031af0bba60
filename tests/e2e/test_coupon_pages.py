"""The coupon pages in a phone's browser: a store page's coupon leads to its claim page, a
double tap on 确认领取 claims once (the page made the Idempotency-Key), "my coupons" shows the
coupon with its expiry and its code as a QR that a real decoder reads, and once the till
redeems that code the page says it was used."""
import re

import requests

from tests.e2e.coupon_steps import active_campaign, operator_token, redeemed
from tests.e2e.registry_steps import certify, record
from tests.e2e.test_complaint_pages import signed_in_browser
from tests.e2e.test_sign_in_pages import form_token
from tests.qr_reader import qr_texts


def test_a_consumer_claims_from_the_store_page_shows_the_qr_and_the_till_redeems_it(
        client, merchants):
    merchant_id, merchant, _ = certify(client, merchants)
    code = record(client, merchant, merchant_id)["store_code"]
    campaign = active_campaign(client, operator_token(client), per_consumer_limit=2)
    store_page = client.get(f"/s/{code}").text
    claim_url = re.search(r'href="(/m/coupons/claim\?campaign_id=' + campaign["campaign_id"]
                          + r'[^"]*)"', store_page).group(1).replace("&amp;", "&")
    stranger = requests.get(client.url(claim_url), allow_redirects=False, timeout=10)
    assert stranger.status_code == 303 and stranger.headers["Location"].startswith(
        "/m/sign-in?next=")

    sub = f"page-coupon-{merchant_id}"
    browser = signed_in_browser(client, sub)
    page = browser.get(client.url(claim_url), timeout=10)
    assert page.status_code == 200 and campaign["name"] in page.text
    form = {"csrf_token": form_token(page), "campaign_id": campaign["campaign_id"],
            "store_code": code, "key": re.search(r'name="key" value="([0-9a-f]{32})"',
                                                 page.text).group(1)}
    taps = [browser.post(client.url("/m/coupons/claim"), data=form, allow_redirects=False,
                         timeout=10) for _ in range(2)]
    assert [(t.status_code, t.headers["Location"]) for t in taps] == [
        (303, "/m/coupons?claimed=true")] * 2
    [coupon] = client.get("/api/v1/me/coupons", client.token(role="consumer", sub=sub)).json()[
        "items"]
    assert coupon["status"] == "active", "a double tap claimed once"

    mine = browser.get(client.url("/m/coupons?claimed=true"), timeout=10)
    assert "领取成功" in mine.text and "可使用" in mine.text and "有效期至" in mine.text
    qr = browser.get(client.url(f"/m/coupons/{coupon['coupon_id']}/qr.png"), timeout=10)
    assert qr.headers["Content-Type"] == "image/png"
    [read] = qr_texts(qr.content)
    assert read == coupon["code"]
    assert requests.get(client.url(f"/m/coupons/{coupon['coupon_id']}/qr.png"),
                        timeout=10).status_code == 404, "nobody else's browser gets the code"

    redeemed(client, merchant, read, 10_000)
    assert "已使用" in browser.get(client.url("/m/coupons"), timeout=10).text
