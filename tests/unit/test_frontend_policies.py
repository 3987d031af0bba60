"""CORS, languages and cache validators of the gateway, without a server."""
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from contracts.store_page_display import localized
from gateway.cors import CorsPolicy, parse_origins
from gateway.headers import revalidate
from gateway.i18n import error_message, negotiate
from gateway.settings import load_settings
from gateway.store_page_html import TEXT, coupon_row, render_store_page
from plumbing.config import ConfigError
from tests.unit.test_store_page import page

ROOT = Path(__file__).resolve().parents[2]
APP = "https://app.example.cn"


def request(method="GET", **headers):
    return Request(EnvironBuilder(method=method, headers=headers).get_environ())


# --- CORS ------------------------------------------------------------------------------------

def test_listed_origins_are_echoed_with_vary_origin_and_credentials_when_configured():
    policy = CorsPolicy(origins=(APP,), allow_credentials=True)
    response = Response("{}")
    policy.decorate(Headers({"Origin": APP}), response)
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.vary


def test_any_origin_is_a_star_and_never_sends_credentials():
    policy = CorsPolicy(origins=("*",), allow_credentials=False)
    response = Response("{}")
    policy.decorate(Headers({"Origin": "https://whoever.example"}), response)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    answer = policy.preflight(Headers({"Origin": "https://whoever.example",
                                       "Access-Control-Request-Method": "PUT"}))
    assert answer.status_code == 204 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_star_with_credentials_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("DEV_AUTH", "1")
    monkeypatch.setenv("CORS_ORIGINS", "*")
    monkeypatch.setenv("CORS_ALLOW_CREDENTIALS", "1")
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        load_settings()
    monkeypatch.setenv("CORS_ORIGINS", f"{APP}/, https://m.example.cn")
    assert load_settings().cors.origins == (APP, "https://m.example.cn")


def test_without_cors_origins_nothing_is_allowed_and_nothing_is_added():
    policy = CorsPolicy(origins=parse_origins(""))
    response = Response("{}")
    policy.decorate(Headers({"Origin": APP}), response)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert policy.preflight(Headers({"Origin": APP,
                                     "Access-Control-Request-Method": "GET"})) is None


def test_a_preflight_for_an_unknown_method_is_refused():
    policy = CorsPolicy(origins=(APP,))
    assert policy.preflight(Headers({"Origin": APP,
                                     "Access-Control-Request-Method": "TRACE"})) is None


# --- languages -------------------------------------------------------------------------------

@pytest.mark.parametrize("header, locale", [
    (None, "zh-CN"), ("", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-CN"), ("fr", "zh-CN"),
    ("en", "en"), ("en-US,en;q=0.9", "en"), ("en;q=0.5, zh-CN", "zh-CN"), ("*", "zh-CN"),
])
def test_the_locale_follows_accept_language_with_zh_cn_by_default(header, locale):
    assert negotiate(header) == locale


def test_english_keeps_the_services_message_and_chinese_uses_the_catalogue():
    assert error_message("SOLD_OUT", "the campaign has no coupons left", "en") == \
        "the campaign has no coupons left"
    assert error_message("SOLD_OUT", "the campaign has no coupons left", "zh-CN") == "消费券已领完"
    assert error_message("SOMETHING_NEW", "a new kind of error", "zh-CN") == "a new kind of error"


def test_an_english_store_page_has_english_labels_and_keeps_the_chinese_fields():
    shown = localized(page(status="warned"), "en")
    assert shown["locale"] == "en"
    assert shown["badge"]["label"] == "Warning" and shown["badge"]["label_zh"] == "警示"
    assert "warning list" in shown["badge"]["notice"]
    assert (shown["unit_type_label"], shown["industry_label"]) == ("store", "catering")
    assert [c["label"] for c in shown["commitments"]] == [
        "7-day no-reason return in store", "The first person you ask takes charge",
        "Compensation paid in advance"]
    assert shown["licences"][0]["kind_label"] == "business licence"
    chinese = localized(page(), "zh-CN")
    assert chinese["badge"]["label"] == "放心消费单位" and chinese["industry_label"] == "餐饮"
    assert chinese["commitments"][0]["label"] == chinese["commitments"][0]["label_zh"]


def test_every_page_text_exists_in_both_languages():
    assert TEXT["zh-CN"].keys() == TEXT["en"].keys()
    assert TEXT["zh-CN"]["figures"].keys() == TEXT["en"]["figures"].keys()


def test_the_english_html_page_has_no_chinese_wording_of_ours():
    html = render_store_page(page(complaints={"total": 3, "resolved": 2, "resolution_rate": 0.5,
                                              "timely_response_rate": 1.0},
                                  coupons=[{"name": "Spring", "face_value_fen": 1000,
                                            "min_spend_fen": 5000}],
                                  name="Lakeside", address="1 Lake Road"), "en")
    assert '<html lang="en">' in html
    assert not re.search(r"[\u4e00-\u9fff]", html), "Chinese text left in the English page"
    assert "10 yuan off orders of 50 yuan or more" in html


def test_coupon_terms_in_english():
    text = TEXT["en"]
    assert coupon_row({"face_value_fen": 500}, text) == ("Coupon", "5 yuan off")
    assert coupon_row({"percent_off": 20}, text) == ("Coupon", "20% off")


# --- cache validators ------------------------------------------------------------------------

def test_a_public_answer_gets_an_etag_of_its_body_and_a_304_when_it_matches():
    first = Response('{"a":1}', content_type="application/json")
    revalidate(request(), first, 30)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=30"
    etag = first.headers["ETag"]
    again = Response('{"a":1}', content_type="application/json")
    revalidate(request(**{"If-None-Match": etag}), again, 30)
    assert again.status_code == 304 and again.headers["ETag"] == etag
    changed = Response('{"a":2}', content_type="application/json")
    revalidate(request(**{"If-None-Match": etag}), changed, 30)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_errors_and_writes_get_no_validators():
    missing = Response("{}", status=404)
    revalidate(request(), missing, 30)
    posted = Response("{}")
    revalidate(request("POST"), posted, 30)
    assert "ETag" not in missing.headers and "ETag" not in posted.headers
