"""Rating a shop from its store page in a phone's browser: 评价本店 leads a stranger to sign in
and back, the form rates once, the new average shows on the store page without waiting out its
cache, and a second rating within 30 days is refused in words the consumer reads."""
import re
from urllib.parse import quote

import requests

from devtools.waiting import wait_until
from tests.e2e.registry_steps import certify, record
from tests.e2e.test_complaint_pages import signed_in_browser
from tests.e2e.test_sign_in_pages import form_token


def rate_link(client, code):
    page = client.get(f"/s/{code}").text
    return re.search(r'id="rate" href="([^"]+)"', page).group(1)


def test_a_consumer_rates_a_shop_from_its_page_once(client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    code = record(client, token, merchant_id)["store_code"]
    link = rate_link(client, code)
    assert link == f"/m/stores/{code}/rate"
    assert client.get(f"/api/v1/public/stores/{code}").json()["rate_url"] == link
    stranger = requests.get(client.url(link), allow_redirects=False, timeout=10)
    assert (stranger.status_code, stranger.headers["Location"]) == (
        303, "/m/sign-in?next=" + quote(link))

    browser = signed_in_browser(client, f"rater-{merchant_id}")
    form = browser.get(client.url(link), timeout=10)
    assert form.status_code == 200 and "暂无消费者评价" in form.text
    sent = browser.post(client.url(link), allow_redirects=False, timeout=10, data={
        "csrf_token": form_token(form), "score": "4", "comment": "服务周到"})
    assert (sent.status_code, sent.headers["Location"]) == (303, link + "?rated=true")
    thanks = browser.get(client.url(sent.headers["Location"]), timeout=10)
    for shown in ("感谢您的评价", "<b>4.0</b>", "1 人评价"):
        assert shown in thanks.text

    assert wait_until(lambda: "<b>4.0</b>" in client.get(f"/s/{code}").text, seconds=10), \
        "the store page shows the new rating before its cache expires"

    again = browser.post(client.url(link), timeout=10, data={
        "csrf_token": form_token(form), "score": "1"})
    assert again.status_code == 409 and "30 天内只能评价一次本店" in again.text
    assert client.get(f"/api/v1/public/stores/{code}").json()["rating"] == {
        "count": 1, "average": 4.0}


def test_a_score_out_of_range_is_said_on_the_form_and_nothing_is_stored(client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    code = record(client, token, merchant_id)["store_code"]
    browser = signed_in_browser(client, f"rater-bad-{merchant_id}")
    form = browser.get(client.url(f"/m/stores/{code}/rate"), timeout=10)
    refused = browser.post(client.url(f"/m/stores/{code}/rate"), timeout=10, data={
        "csrf_token": form_token(form), "score": "9"})
    assert refused.status_code == 422 and 'id="error"' in refused.text
    assert client.get(f"/api/v1/public/stores/{code}").json()["rating"]["count"] == 0


def test_an_unknown_shop_gets_the_not_found_page(client):
    browser = signed_in_browser(client, "rater-nowhere")
    answer = browser.get(client.url("/m/stores/NoSuchStore0000/rate"), timeout=10)
    assert answer.status_code == 404 and "未找到该商户" in answer.text
