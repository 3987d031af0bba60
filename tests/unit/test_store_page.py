import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.coupon_kinds import yuan
from contracts.schemas.store_page import StorePageSchema
from contracts.store_page_display import StoreLinks, localized
from gateway.openapi import build_spec
from gateway.routes.store_pages import StorePageRoutes, html_error
from gateway.store_page_html import (
    ASSETS,
    TEXT,
    coupon_row,
    render_not_found,
    render_store_page,
    render_unavailable,
)
from plumbing.errors import DomainError
from services.registry import trust_grade
from services.registry.settings import load_settings
from services.registry.store_page import HOTLINE, page_of

TODAY = date(2026, 11, 21)
PHONE = "13912345678"


def merchant(**overrides):
    record = {
        "_id": "m-42", "name": "湖滨放心小吃店", "unit_type": "store", "industry": "catering",
        "region": "330106", "address": "杭州市西湖区湖滨路 1 号",
        "location": {"lng": 120.16, "lat": 30.26}, "contact_phone": PHONE,
        "credit_code": "91330106000000042A",
        "licences": [
            {"kind": "business_licence", "number": "BL-1", "valid_until": "2030-12-31"},
            {"kind": "food_operation", "number": "JY-1", "valid_until": "2026-11-20"},
        ],
        "commitments": {"no_reason_return_days": 7, "cross_store_return": False,
                        "first_inquiry_responsibility": True, "advance_compensation": True},
        "status": "certified", "pool": "star", "stars": 4, "store_code": "Qm7xK2pLr9",
        "rating": {"count": 4, "total": 17}, "scan_count": 12,
        "red_listed": False, "black_listed": False,
        "history": [{"at": "2026-11-01T08:00:00Z", "from": None, "to": "pending_onsite",
                     "by": "owner-zhang", "reason": "自主申报"}],
        "updated_at": "2026-11-20T08:00:00Z",
    }
    record.update(overrides)
    return record


def page(complaints=None, coupons=None, **overrides):
    return page_of(merchant(**overrides), complaints, coupons, today=TODAY,
                   links=StoreLinks())


def test_a_certified_unit_is_shown_with_its_identity_and_good_badge():
    shown = page()
    assert shown["store_code"] == "Qm7xK2pLr9" and shown["merchant_id"] == "m-42"
    assert shown["name"] == "湖滨放心小吃店"
    assert (shown["unit_type"], shown["unit_type_label"]) == ("store", "门店")
    assert (shown["industry"], shown["industry_label"]) == ("catering", "餐饮")
    assert shown["location"] == {"lng": 120.16, "lat": 30.26}
    assert shown["badge"] == {"status": "certified", "label_zh": "放心消费单位", "tone": "good",
                              "notice_zh": None}
    assert shown["stars"] == 4
    assert shown["hotline"] == HOTLINE == "12315"
    assert shown["complaint_url"] == "/m/complaints/new?store_code=Qm7xK2pLr9"
    assert shown["rate_url"] == "/m/stores/Qm7xK2pLr9/rate"
    assert shown["red_listed"] is False and shown["black_listed"] is False


@pytest.mark.parametrize("status, label, tone", [
    ("suspended", "已暂停", "bad"),
    ("delisted", "已摘牌", "bad"),
    ("warned", "警示", "warn"),
])
def test_a_unit_in_trouble_says_so_instead_of_vanishing(status, label, tone):
    shown = page(status=status)
    assert shown["status"] == status
    assert shown["badge"]["label_zh"] == label and shown["badge"]["tone"] == tone
    assert shown["badge"]["notice_zh"]
    assert shown["name"] == "湖滨放心小吃店" and shown["complaint_url"]


def test_licences_carry_labels_and_an_expired_flag_against_today():
    licences = page()["licences"]
    assert licences == [
        {"kind": "business_licence", "kind_label": "营业执照", "number": "BL-1",
         "valid_until": "2030-12-31", "expired": False},
        {"kind": "food_operation", "kind_label": "食品经营许可证", "number": "JY-1",
         "valid_until": "2026-11-20", "expired": True},
    ]
    valid_today = page(licences=[{"kind": "business_licence", "number": "BL-1",
                                  "valid_until": TODAY.isoformat()}])["licences"]
    assert valid_today[0]["expired"] is False


def test_staff_health_certificates_belong_to_people_and_stay_off_the_page():
    shown = page(licences=[{"kind": "health_certificate", "number": "HC-330106-WANG",
                            "valid_until": "2030-01-01"}])
    assert shown["licences"] == []
    assert "HC-330106-WANG" not in json.dumps(shown, ensure_ascii=False)


def test_only_the_promises_made_are_listed():
    assert page()["commitments"] == [
        {"key": "no_reason_return_days", "label_zh": "线下购物7天无理由退货", "days": 7},
        {"key": "first_inquiry_responsibility", "label_zh": "首问负责制"},
        {"key": "advance_compensation", "label_zh": "先行赔付"},
    ]
    none_made = {"no_reason_return_days": 0, "cross_store_return": False,
                 "first_inquiry_responsibility": False, "advance_compensation": False}
    assert page(commitments=none_made)["commitments"] == []
    assert page(commitments={"cross_store_return": True})["commitments"] == [
        {"key": "cross_store_return", "label_zh": "异地异店退换货"}]


def test_no_contact_phone_or_private_record_field_anywhere_in_the_page():
    everything = page({"total": 1}, [{"name": "券", "face_value_fen": 500}])
    text = json.dumps(everything, ensure_ascii=False)
    for private in (PHONE, "contact_phone", "91330106000000042A", "owner-zhang", "history",
                    "scan_count", "pool"):
        assert private not in text


@pytest.mark.parametrize("count, total, average", [
    (0, 0, None), (1, 5, 5.0), (3, 13, 4.3), (4, 17, 4.3), (8, 34, 4.3), (20, 49, 2.5),
    (3, 10, 3.3), (6, 29, 4.8),
])
def test_rating_average_has_one_decimal_rounded_half_up(count, total, average):
    assert page(rating={"count": count, "total": total})["rating"] == {"count": count,
                                                                       "average": average}


def test_a_record_without_ratings_yet_reads_as_unrated():
    record = merchant()
    del record["rating"]
    assert page_of(record, today=TODAY, links=StoreLinks())["rating"] == {
        "count": 0, "average": None}


def test_complaint_figures_and_coupons_appear_only_when_given():
    plain = page()
    assert "complaints" not in plain and "coupons" not in plain
    assert "coupons" not in page(coupons=[])
    figures = {"total": 3, "resolved": 2, "resolution_rate": 0.67}
    coupons = [{"campaign_id": "c-1", "name": "国庆消费券", "face_value_fen": 2000,
                "min_spend_fen": 10000}]
    shown = page(figures, coupons)
    assert shown["complaints"] == figures and shown["coupons"] == [
        {**coupons[0], "claim_url": "/m/coupons/claim?campaign_id=c-1&store_code=Qm7xK2pLr9"}]
    assert "complaints" in page({})


def test_the_page_matches_its_published_schema():
    shown = page({"total": 3}, [{"name": "券"}])
    assert StorePageSchema().validate(shown) == {}
    assert set(shown) <= set(StorePageSchema().fields)


def test_openapi_describes_the_store_routes():
    spec = build_spec(type("OnlyStores", (StorePageRoutes,), {}))
    paths = spec["paths"]
    assert set(paths) == {"/api/v1/public/stores/{code}", "/s/{code}", "/s/{code}/qr.svg",
                          "/s/{code}/qr.png", "/static/store.css", "/favicon.ico"}
    ok = paths["/api/v1/public/stores/{code}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref":
                                                          "#/components/schemas/StorePage"}
    assert "404" in paths["/s/{code}"]["get"]["responses"]
    assert set(paths["/static/store.css"]["get"]["responses"]["200"]["content"]) == {"text/css"}
    assert set(paths["/favicon.ico"]["get"]["responses"]["200"]["content"]) == {"image/x-icon"}


# ---- the HTML page ------------------------------------------------------------------------

def test_the_html_page_shows_badge_hotline_and_complaint_link():
    html = render_store_page(page())
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html
    assert "放心消费单位" in html and "湖滨放心小吃店" in html
    assert 'href="tel:12315"' in html
    assert 'href="/m/complaints/new?store_code=Qm7xK2pLr9"' in html and "我要投诉" in html
    assert "★★★★☆" in html and "4.3" in html
    assert "已过期" in html  # the food licence ran out yesterday
    assert "首问负责制" in html
    assert PHONE not in html


def test_the_html_page_of_a_suspended_unit_says_so():
    html = render_store_page(page(status="suspended"))
    assert "已暂停" in html and 'role="alert"' in html and "资格已暂停" in html


def test_the_html_page_has_no_external_assets_and_no_scan_time():
    html = render_store_page(page())
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "扫码时间" not in html


def test_merchant_strings_are_escaped():
    html = render_store_page(page(name="<script>alert(1)</script>",
                                  address='"><img src=x onerror=alert(2)>'))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_html_sections_for_figures_and_coupons_only_when_present():
    plain = render_store_page(page())
    assert 'id="complaints"' not in plain and 'id="coupons"' not in plain
    html = render_store_page(page(
        {"total": 3, "resolved": 2, "resolution_rate": 0.6667, "timely_response_rate": 1.0},
        [{"name": "国庆消费券", "face_value_fen": 2000, "min_spend_fen": 10000}]))
    assert 'id="complaints"' in html and "67%" in html and "100%" in html
    assert 'id="coupons"' in html and "国庆消费券" in html and "满100元减20元" in html
    assert "近 12 个月无投诉" in render_store_page(page({}))


def test_a_unit_without_complaints_says_so():
    html = render_store_page(page({"total": 0, "resolved": 0, "resolution_rate": None,
                                   "timely_response_rate": None}))
    assert 'id="complaints"' in html and "近 12 个月无投诉" in html
    assert "投诉总数" not in html
    english = render_store_page(page({"total": 0}), "en")
    assert "No complaints in the last 12 months" in english


def test_a_unit_without_a_star_grade_is_not_yet_rated_not_the_worst():
    html = render_store_page(page(stars=0))
    assert "暂未评定星级" in html
    assert "☆" not in html and "0 星" not in html
    assert "Not yet rated" in render_store_page(page(stars=0), "en")
    graded = render_store_page(page(stars=1))
    assert "★☆☆☆☆" in graded and "1 星" in graded and "暂未评定星级" not in graded


def test_the_page_loads_its_style_and_icon_and_has_nothing_inline():
    html = render_store_page(page({"total": 1}, [{"name": "券", "face_value_fen": 500}]))
    assert f'<link rel="stylesheet" href="/static/store.css?v={ASSETS["store.css"].version}">' \
        in html
    assert f'href="/favicon.ico?v={ASSETS["favicon.ico"].version}"' in html
    assert not re.search(r"<style|\sstyle=|<script|\son[a-z]+=", html), "inline style or script"
    for render in (render_not_found("abc"), render_unavailable()):
        assert "/static/store.css?v=" in render and "<style" not in render


def test_the_assets_are_the_files_with_a_digest_of_each():
    css = ASSETS["store.css"]
    assert css.content_type.startswith("text/css") and b".badge" in css.content
    icon = ASSETS["favicon.ico"]
    assert icon.content_type == "image/x-icon" and icon.content[:4] == b"\x00\x00\x01\x00"
    assert len({css.version, icon.version}) == 2 and len(css.version) == 12


def test_unrated_unit_reads_as_such():
    assert "暂无消费者评价" in render_store_page(page(rating={"count": 0, "total": 0}))


def test_the_not_found_page_is_friendly_and_escapes_the_code():
    html = render_not_found("<b>x</b>")
    assert "未找到该商户" in html and 'href="tel:12315"' in html
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.parametrize("coupon, terms", [
    ({"name": "满减券", "face_value_fen": 2000, "min_spend_fen": 10000}, "满100元减20元"),
    ({"name": "立减券", "face_value_fen": 550}, "立减5.5元"),
    ({"name": "折扣券", "percent_off": 20}, "8折"),
    ({"name": "折扣券", "percent_off": 15}, "8.5折"),
    ({"name": "团购"}, ""),
    ({"name": "双人套餐", "kind": "group_buy", "face_value_fen": 6000}, "团购价60元"),
    ({"name": "单人餐", "kind": "group_buy", "face_value_fen": 2950, "min_spend_fen": 5000},
     "团购价29.5元"),
    ({"name": "满减券", "kind": "voucher", "face_value_fen": 550}, "立减5.5元"),
])
def test_coupon_terms_in_chinese(coupon, terms):
    assert coupon_row(coupon) == (coupon["name"], terms)


def test_a_group_buy_shows_its_price_in_english_too():
    coupon = {"name": "Set menu", "kind": "group_buy", "face_value_fen": 6000}
    assert coupon_row(coupon, TEXT["en"]) == ("Set menu", "group-buy price 60 yuan")


@pytest.mark.parametrize("fen, text", [(0, "0"), (100, "1"), (150, "1.5"), (105, "1.05"),
                                       (12345, "123.45")])
def test_yuan(fen, text):
    assert yuan(fen) == text


@pytest.mark.parametrize("status", [404, "404"])  # a DomainError's status arrives as a string
def test_an_unknown_store_gets_the_html_not_found_page(status):
    response = html_error(DomainError("STORE_NOT_FOUND", "no store", status=status), "abc")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "未找到该商户" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", [503, "503"])
def test_a_registry_that_does_not_answer_gets_an_html_page_to_retry(status):
    response = html_error(DomainError("UNAVAILABLE", "down", status=status), "abc")
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert "稍后刷新重试" in response.get_data(as_text=True)


def test_other_errors_keep_the_json_error_format():
    with pytest.raises(DomainError):
        html_error(DomainError("FORBIDDEN", "no", status=403), "abc")


def test_a_city_app_sets_where_every_button_leads(monkeypatch):
    monkeypatch.setenv("STORE_PAGE_COMPLAINT_URL", "https://app.example.cn/complain?shop={code}")
    monkeypatch.setenv("STORE_PAGE_RATE_URL", "https://app.example.cn/rate/{code}")
    monkeypatch.setenv("STORE_PAGE_CLAIM_URL",
                       "https://app.example.cn/coupon/{campaign_id}?shop={code}")
    shown = page_of(merchant(store_code="Qm7x/K2"), None, [{"campaign_id": "c 1"}, {}],
                    today=TODAY, links=load_settings().store_links)
    assert shown["complaint_url"] == "https://app.example.cn/complain?shop=Qm7x%2FK2"
    assert shown["rate_url"] == "https://app.example.cn/rate/Qm7x%2FK2"
    assert [c["claim_url"] for c in shown["coupons"]] == [
        "https://app.example.cn/coupon/c%201?shop=Qm7x%2FK2", None]


def test_by_default_the_buttons_lead_to_the_gateways_pages():
    shown = page_of(merchant(), None, [{"campaign_id": "c-1"}], today=TODAY,
                    links=load_settings().store_links)
    assert shown["coupons"][0]["claim_url"] == (
        "/m/coupons/claim?campaign_id=c-1&store_code=Qm7xK2pLr9")


# ---- the trust grade ----------------------------------------------------------------------

def graded(**overrides):
    """The page of the unit with a grade of its trust: a failed spot check 10 days ago."""
    now = datetime(2026, 11, 21, 8, tzinfo=UTC)
    failed = {"spot_checks_failed": trust_grade.Decayed().plus(1, now - timedelta(days=10))}
    grade = trust_grade.grade(failed, {"licence_days_left": 400,
                                       "last_failed_spot_check_at": now - timedelta(days=10)},
                              now)
    return page(trust={"grade": grade}, **overrides)


def test_the_page_shows_the_grade_why_and_what_would_raise_it():
    grade = graded()["trust_grade"]
    assert (grade["score"], grade["stars"]) == (80.0, 2)
    assert {f["name"]: (f["points"], f["most"]) for f in grade["factors"]}["spot_checks"] == (
        0.0, 15)
    assert grade["vetoes"] == [{"code": "failed_spot_check",
                                "label_zh": "一年内抽查未通过：最高 2 星"}]
    assert grade["to_raise"][0] == {"factor": "spot_checks", "points": 15.0,
                                    "hint_zh": "通过监管抽查",
                                    "hint_en": "pass the regulators' spot checks"}
    assert StorePageSchema().validate(graded()) == {}
    assert page()["trust_grade"] is None  # not graded yet


@pytest.mark.parametrize("locale, factor, veto, hint", [
    ("zh-CN", "监管抽查", "一年内抽查未通过：最高 2 星", "通过监管抽查"),
    ("en", "Regulators' spot checks", "Failed a spot check within a year: 2 stars at most",
     "pass the regulators' spot checks"),
])
def test_the_grade_is_worded_in_the_pages_language(locale, factor, veto, hint):
    shown = localized(graded(), locale)["trust_grade"]
    assert {f["name"]: f["label"] for f in shown["factors"]}["spot_checks"] == factor
    assert shown["vetoes"][0]["label"] == veto and shown["to_raise"][0]["hint"] == hint
    html = render_store_page(graded(), locale)
    assert 'data-score="80.0" data-stars="2"' in html
    assert factor.replace("'", "&#39;") in html and hint.replace("'", "&#39;") in html
    assert 'data-veto="failed_spot_check"' in html


def test_a_page_without_a_grade_has_no_grade_section():
    assert 'id="trust-grade"' not in render_store_page(page())
