"""The consumer's journey in a phone's browser (Chromium through ChromeDriver, tests/phone.py),
from the QR code's store page to a resolved complaint, a coupon at the till and a rating: every
page is met as a person meets it (taps, typing), and each is checked under its policy, by
axe-core for WCAG 2.1 AA and for CJK glyphs, its screenshot kept (build/screenshots)."""
import re

from selenium.webdriver.common.action_chains import ActionChains

from tests.e2e.coupon_steps import active_campaign, operator_token, redeemed
from tests.e2e.registry_steps import certify, record
from tests.e2e.test_sign_in import code_sent_to, new_phone
from tests.phone import phone
from tests.qr_reader import qr_texts

STORY = "店员张三拒绝退货，还说找经理李四也没用。"


def at(pattern):
    return lambda url: re.search(pattern, url) is not None


def signed_in_on_the_way(screen, providers, phone_number):
    """The sign-in a tap on a store page led to, with the code the SMS provider received."""
    screen.wait_for_url(at(r"/m/sign-in\?next="))
    screen.look("02-sign-in")
    screen.type("#phone", phone_number)
    screen.tap("#send")
    screen.find("#code")
    screen.look("03-sign-in-code")
    screen.type("#code", code_sent_to(providers, phone_number))
    screen.tap("#sign-in-button")


def complained(screen, shop, phone_number):
    """The complaint form filled in and previewed, then sent: the complaint's id."""
    screen.wait_for_url(at(r"/m/complaints/new\?store_code="))
    assert shop["name"] in screen.text("#shop")
    screen.choose("#category", "refund_refused")
    screen.type("#title", "拒绝七天无理由退货")
    screen.type("#description", STORY)
    screen.type("#amount", "128.50")
    screen.pick_date("#occurred_on", "2026-11-20")
    screen.type("#contact_phone", phone_number)
    screen.tap("input[name=public_consent]")
    screen.tap("#preview-button")
    summary = screen.text("#preview-summary")
    assert "张三" not in summary and "李四" not in summary and "拒绝退货" in summary, summary
    screen.look("04-complaint-preview")
    screen.tap("#file-button")
    screen.wait_for_url(at(r"/m/complaints\?filed=true"))
    screen.look("05-my-complaints")
    screen.tap("#my-complaints li a")
    return screen.wait_for_url(at(r"/m/complaints/[^/?]+$")).rsplit("/", 1)[1]


def test_from_the_qr_code_to_a_resolved_complaint_a_redeemed_coupon_and_a_rating(
        client, merchants, providers):
    merchant_id, merchant, shop = certify(client, merchants)
    code = record(client, merchant, merchant_id)["store_code"]
    campaign = active_campaign(client, operator_token(client))
    phone_number = new_phone()
    with phone() as screen:
        screen.open(client.url(f"/s/{code}"))
        assert screen.text("#name") == shop["name"]
        screen.look("01-store-page")

        screen.tap("#complain")
        signed_in_on_the_way(screen, providers, phone_number)
        complaint_id = complained(screen, shop, phone_number)
        answered = client.post(f"/api/v1/complaints/{complaint_id}/responses", merchant, json={
            "proposal": "refund", "message": "同意退货并全额退款", "amount_fen": 12850})
        assert answered.status_code == 200, answered.text
        screen.browser.refresh()
        assert "同意退货并全额退款" in screen.text("#proposal")
        screen.look("06-proposal")
        screen.tap("#accept")
        screen.choose("#score", "5")
        screen.tap("#rate")
        screen.find("#rated")
        screen.look("07-resolved-and-rated")

        screen.open(client.url(f"/s/{code}"))
        screen.tap(f"a.claim[href*='{campaign['campaign_id']}']")
        screen.wait_for_url(at(r"/m/coupons/claim\?"))
        screen.look("08-claim")
        ActionChains(screen.browser).double_click(screen.find("#claim-button")).perform()
        screen.wait_for_url(at(r"/m/coupons\?claimed=true"))
        coupons = screen.browser.find_elements("css selector", "li.coupon")
        assert len(coupons) == 1 and "可使用" in coupons[0].text, "a double tap claims once"
        screen.look("09-my-coupons")
        [shown] = qr_texts(screen.element_png("img.qr"))
        redeemed(client, merchant, shown, 20_000)
        screen.browser.refresh()
        assert "已使用" in screen.text("li.coupon")

        screen.open(client.url(f"/s/{code}"))
        screen.tap("#rate")
        screen.wait_for_url(at(r"/m/stores/[^/]+/rate$"))
        screen.look("10-rate")
        screen.tap("input[name=score][value='4']")
        screen.type("#comment", "退款很快")
        screen.tap("#send-rating")
        screen.find("#thanks")
        screen.look("11-rated")


def test_the_pages_a_stranger_meets_pass_the_same_checks(client, merchants):
    merchant_id, merchant, _ = certify(client, merchants)
    code = record(client, merchant, merchant_id)["store_code"]
    with phone() as screen:
        screen.open(client.url("/s/NoSuchStore0000"))
        screen.look("00-store-not-found")
        screen.open(client.url(f"/m/stores/{code}/rate"))
        screen.wait_for_url(at(r"/m/sign-in\?next="))
        screen.look("00-sign-in-from-rate")


def test_the_pages_in_english_pass_the_same_checks(client, merchants, providers):
    merchant_id, merchant, shop = certify(client, merchants)
    code = record(client, merchant, merchant_id)["store_code"]
    campaign = active_campaign(client, operator_token(client))
    phone_number = new_phone()
    with phone("en") as screen:
        screen.open(client.url(f"/s/{code}"))
        assert screen.text("#complain") == "Complain"
        screen.look("en-01-store-page")
        screen.tap("#complain")
        screen.wait_for_url(at(r"/m/sign-in\?next="))
        assert screen.text("h1") == "Sign in with your phone"
        screen.type("#phone", phone_number)
        screen.tap("#send")
        screen.type("#code", code_sent_to(providers, phone_number))
        screen.look("en-02-sign-in-code")
        screen.tap("#sign-in-button")
        screen.wait_for_url(at(r"/m/complaints/new\?store_code="))
        assert screen.text("#file-button") == "Send the complaint"
        screen.look("en-03-complaint-form")
        screen.open(client.url(f"/m/coupons/claim?campaign_id={campaign['campaign_id']}"
                               f"&store_code={code}"))
        screen.look("en-04-claim")
        screen.tap("#claim-button")
        screen.wait_for_url(at(r"/m/coupons\?claimed=true"))
        assert "My coupons" in screen.text("h1")
        screen.look("en-05-my-coupons")
        screen.open(client.url("/m/complaints"))
        screen.look("en-06-my-complaints")
        screen.open(client.url(f"/m/stores/{code}/rate"))
        screen.look("en-07-rate")


def test_the_checks_catch_what_they_look_for():
    with phone() as screen:
        screen.open("data:text/html;charset=utf-8,<html><body><h1>Hello</h1>"
                    "<img src='x.png'></body></html>")
        problems = [*screen.accessibility_problems(), *screen.glyph_problems()]
    assert any(p.startswith("axe image-alt") for p in problems), problems
    assert any(p.startswith("axe html-has-lang") for p in problems), problems
    assert any("not drawn in a CJK font" in p for p in problems), problems
