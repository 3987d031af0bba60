"""Every notification template renders in both locales from its event's data, and the data the
services really emit is enough for them (StrictUndefined fails on a missing field)."""
from datetime import date
from pathlib import Path

import jinja2.exceptions
import pytest

from plumbing.actors import Actor
from plumbing.clock import shifted
from services.complaints import lifecycle
from services.complaints.settings import ComplaintSettings, rules_of
from services.notifications import formatting
from services.notifications.templates import LOCALES, render
from services.registry import certification
from services.registry.domain import new_merchant

TEMPLATE_ROOT = Path(formatting.__file__).parent / "templates"
NOW = "2026-11-21T08:00:00.000000Z"
FACTS = {"complaint_id": "c-1", "merchant_id": "m-1", "consumer": "u-42", "region": "330106",
         "industry": "catering", "category": "short_weight"}

SAMPLES = {
    "merchant_applied": {"merchant_id": "m-1", "name": "湖滨小吃店", "status": "pending_onsite",
                         "rejection_reasons": []},
    "merchant_certified": {"merchant_id": "m-1", "store_code": "Qx7-abcDEF12ghij",
                           "region": "330106", "industry": "catering", "name": "湖滨小吃店"},
    "merchant_rejected": {"merchant_id": "m-1", "reasons": [
        {"code": "BUSINESS_LICENCE_MISSING", "message": "营业执照缺失"},
        {"code": "ABNORMAL_LISTED", "message": "已被列入经营异常名录"}]},
    "merchant_status_changed": {"merchant_id": "m-1", "from": "certified", "to": "suspended",
                                "reason": "被列入经营异常名录", "by": "licence-feed",
                                "region": "330106", "industry": "catering", "name": "湖滨小吃店"},
    "merchant_review_recorded": {"merchant_id": "m-1", "stage": "onsite", "decision": "pass",
                                 "notes": "现场核查符合要求", "by": "inspector-1",
                                 "region": "330106"},
    "spot_check_assigned": {"task_id": "t-1", "batch_id": "b-1", "merchant_id": "m-1",
                            "region": "330106"},
    "complaint_forwarded": {**FACTS, "deadline_at": "2026-11-23T08:00:00.000000Z",
                            "merchant_name": "湖滨小吃店"},
    "complaint_deadline_approaching": {**FACTS, "deadline_at": "2026-11-23T08:00:00.000000Z"},
    "complaint_escalated": {**FACTS, "reason": "deadline_missed",
                            "mediation_deadline_at": "2026-11-30T08:00:00.000000Z"},
    "complaint_escalated_consumer": {**FACTS, "reason": "consumer_rejected",
                                     "mediation_deadline_at": "2026-11-30T08:00:00.000000Z"},
    "complaint_responded": {**FACTS, "proposal": "refund", "timely": True,
                            "response_seconds": 3725.5},
    "complaint_closed": {**FACTS, "closing": "resolved_monetary", "timely": True,
                         "amount_recovered_fen": 12050},
    "complaint_flagged": {**FACTS, "flagged": True},
    "hotspot_detected": {"hotspot_id": "9f2c1b", "region": "330106", "industry": "catering",
                         "category": "short_weight", "count": 12, "previous_count": 4,
                         "growth": 2.0, "window_start": "2026-11-14T08:00:00.000000Z",
                         "window_end": "2026-11-21T08:00:00.000000Z"},
    "coupon_claimed": {"coupon_id": "k-1", "campaign_id": "cp-1", "consumer": "u-42",
                       "campaign_name": "国庆放心消费券", "prize": None, "face_value_fen": 5000,
                       "expires_at": "2026-10-08T15:59:59.000000Z"},
    "coupon_expiring": {"coupon_id": "k-1", "consumer": "u-42", "campaign_id": "cp-1",
                        "expires_at": "2026-10-08T15:59:59.000000Z"},
    "sign_in_code": {"code": "042917", "minutes": 5},
    "consumer_warning": {"title": "警惕预付卡“跑路”",
                         "body": "近期多家健身房关门，请谨慎办理大额预付卡。",
                         "region": "330106", "industry": "other", "category": "contract"},
}


def template_names(locale):
    return sorted(path.stem for path in (TEMPLATE_ROOT / locale).glob("*.j2"))


def test_both_locales_have_the_same_templates():
    assert template_names("zh-CN") == template_names("en")


def test_every_template_has_sample_data():
    assert set(template_names("zh-CN")) == set(SAMPLES)


def assert_rendered(template, locale, data):
    title, body = render(template, locale, data)
    assert title and body, (template, locale)
    for text in (title, body):
        assert "{{" not in text and "{%" not in text and "None" not in text, (template, text)
    return title, body


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_every_template_renders(template, locale):
    assert_rendered(template, locale, SAMPLES[template])


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", sorted(SAMPLES))
def test_a_missing_field_fails_loudly(template, locale):
    """StrictUndefined is on: a template never renders around data it lacks."""
    with pytest.raises(jinja2.exceptions.UndefinedError):
        render(template, locale, {})


# --- what readers see -----------------------------------------------------------------------

def test_zh_cn_complaint_names_the_category_and_the_deadline_in_beijing_time():
    title, body = render("complaint_forwarded", "zh-CN", SAMPLES["complaint_forwarded"])
    assert title == "新投诉待处理：缺斤短两"
    assert body.startswith("湖滨小吃店：") and "2026-11-23 16:00 前" in body


def test_en_complaint_says_the_deadline_is_utc_plus_8():
    _, body = render("complaint_forwarded", "en", SAMPLES["complaint_forwarded"])
    assert "about short weight" in body and "before 2026-11-23 16:00 (UTC+8)" in body


def test_closed_complaint_shows_the_money_recovered_in_yuan():
    _, zh_body = render("complaint_closed", "zh-CN", SAMPLES["complaint_closed"])
    _, en_body = render("complaint_closed", "en", SAMPLES["complaint_closed"])
    assert "已解决（挽回经济损失）" in zh_body and "挽回经济损失 120.50 元" in zh_body
    assert "resolved with monetary relief" in en_body and "¥120.50" in en_body


def test_closed_without_money_says_nothing_about_money():
    data = {**SAMPLES["complaint_closed"], "closing": "withdrawn", "amount_recovered_fen": 0}
    _, body = render("complaint_closed", "zh-CN", data)
    assert "元" not in body and "已撤回" in body and "满意度" not in body


def test_responded_names_the_proposal_and_the_time_taken():
    _, body = render("complaint_responded", "zh-CN", SAMPLES["complaint_responded"])
    assert "处理方案为退款" in body and "用时1小时2分钟" in body and "超过" not in body
    late = {**SAMPLES["complaint_responded"], "proposal": "dispute", "timely": False}
    _, body = render("complaint_responded", "en", late)
    assert "it disputes the complaint" in body and "after the deadline" in body


def test_status_change_names_both_statuses():
    title, body = render("merchant_status_changed", "zh-CN",
                         SAMPLES["merchant_status_changed"])
    assert title == "湖滨小吃店的放心消费单位资格已暂停"
    assert "由“放心消费单位”变更为“暂停”" in body and "被列入经营异常名录" in body


@pytest.mark.parametrize("to", ["certified", "warned", "suspended", "delisted", "rejected"])
def test_every_status_change_has_its_own_title(to):
    data = {**SAMPLES["merchant_status_changed"], "from": "warned", "to": to, "reason": None}
    title, body = assert_rendered("merchant_status_changed", "en", data)
    assert "Reason: none given" in body


def test_rejection_by_a_review_names_the_stage():
    data = {"merchant_id": "m-1", "stage": "county", "reasons": [
        {"code": "REVIEW_FAILED", "message": "", "stage": "county"}]}
    title, body = render("merchant_rejected", "zh-CN", data)
    assert title == "放心消费单位申报未通过县级审核" and "REVIEW_FAILED" in body
    title, _ = render("merchant_rejected", "en", data)
    assert title == "Application did not pass the county review"


def test_hotspot_gives_the_counts_and_the_growth():
    _, body = render("hotspot_detected", "zh-CN", SAMPLES["hotspot_detected"])
    assert "餐饮行业缺斤短两投诉" in body and "共 12 件" in body and "增长 200%" in body


def test_lucky_draw_coupon_names_the_prize():
    data = {**SAMPLES["coupon_claimed"], "prize": "一等奖", "face_value_fen": None}
    _, body = render("coupon_claimed", "zh-CN", data)
    assert "（奖品：一等奖）" in body and "面值" not in body


def test_consumer_warning_keeps_the_regulators_words():
    title, body = render("consumer_warning", "zh-CN", SAMPLES["consumer_warning"])
    assert title == "消费警示：警惕预付卡“跑路”"
    assert body.startswith("近期多家健身房关门，请谨慎办理大额预付卡。") and "12315" in body


# --- the services' own event data is enough for the templates -----------------------------------

SETTINGS = ComplaintSettings(
    deadline_rules=rules_of({}), remind_before_seconds=6 * 3600,
    duplicate_window_seconds=86400, claimant_window_seconds=30 * 86400,
    claimant_merchant_threshold=5, merchant_threshold=5,
    merchant_threshold_window_seconds=30 * 86400, hotspot_window_seconds=7 * 86400,
    hotspot_min_count=5, hotspot_min_growth=0.5)
CONSUMER = Actor(sub="u-42", role="consumer")
MERCHANT = Actor(sub="boss", role="merchant", merchant_id="m-1")
REGULATOR = Actor(sub="reg-1", role="regulator", region="350100", level="city")
# event type → the templates its data feeds (complaint_submitted only when flagged)
TEMPLATES_OF_EVENT = {
    "complaint_submitted": ["complaint_flagged"],
    "complaint_escalated": ["complaint_escalated", "complaint_escalated_consumer"],
}


def filed_complaint(flagged=False):
    filing = {"category": "quality", "title": "买到变质食品", "description": "面包已发霉",
              "amount_fen": 2500, "occurred_on": date(2026, 11, 20),
              "evidence_urls": [], "contact_phone": "13800138000", "public_consent": False}
    merchant = {"merchant_id": "m-1", "name": "湖滨小吃店", "region": "330106",
                "industry": "catering"}
    return lifecycle.new_complaint("c-9", "u-42", filing, merchant, NOW, SETTINGS, flagged)


def complaint_events():
    """Every notified complaint event, as the complaints service's rules emit them."""
    complaint, events = filed_complaint()
    _, flagged_events = filed_complaint(flagged=True)
    events = events + flagged_events
    reminder_time = shifted(complaint["deadline_at"], -60)
    events += lifecycle.remind_if_due(complaint, reminder_time, SETTINGS).events
    late = shifted(complaint["deadline_at"], 1)
    events += lifecycle.escalate_if_overdue(complaint, late, SETTINGS).events
    answered = lifecycle.respond(complaint, MERCHANT, {"proposal": "refund", "amount_fen": 2500},
                                 shifted(NOW, 3600))
    events += answered.events
    complaint = {**complaint, **answered.fields}
    events += lifecycle.decide(complaint, CONSUMER, True, "", shifted(NOW, 7200),
                               SETTINGS).events
    events += lifecycle.decide(complaint, CONSUMER, False, "不满意", shifted(NOW, 7200),
                               SETTINGS).events
    return [(kind, data) for kind, data in events
            if kind != "complaint_submitted" or data["flagged"]]


def registry_events(application):
    """Every notified certification event, as the registry's rules emit them (the fixture's
    application is in Fuzhou, 3501)."""
    merchant = new_merchant("m-1", application, [], "boss", NOW)
    events = []
    for stage in ("onsite", "county", "final"):
        change = certification.review(merchant, REGULATOR, stage, "pass", "符合要求", NOW)
        events += change.events
        merchant = {**merchant, **change.fields}
    failing = {**merchant, "status": "pending_county"}
    events += certification.review(failing, REGULATOR, "county", "fail", "台账缺失", NOW).events
    for action in ("warn", "clear_warning", "suspend", "restore", "revoke"):
        change = certification.act(merchant, REGULATOR, action, "例行处置", NOW)
        events += change.events
        merchant = {**merchant, **change.fields}
    return events


def assert_every_template_renders(events):
    rendered = set()
    for kind, data in events:
        for template in TEMPLATES_OF_EVENT.get(kind, [kind]):
            for locale in LOCALES:
                assert_rendered(template, locale, data)
            rendered.add(template)
    return rendered


def test_the_complaint_rules_data_renders():
    rendered = assert_every_template_renders(complaint_events())
    assert rendered >= {"complaint_forwarded", "complaint_deadline_approaching",
                        "complaint_escalated", "complaint_escalated_consumer",
                        "complaint_responded", "complaint_closed", "complaint_flagged"}


def test_the_registry_rules_data_renders(application):
    rendered = assert_every_template_renders(registry_events(application))
    assert rendered >= {"merchant_review_recorded", "merchant_certified", "merchant_rejected",
                        "merchant_status_changed"}


def test_sample_facts_are_the_complaints_facts():
    """The samples above carry the same fields as the real events (so the renders above are
    honest about StrictUndefined)."""
    real = dict(complaint_events())
    for kind in ("complaint_forwarded", "complaint_deadline_approaching", "complaint_responded",
                 "complaint_closed"):
        assert set(SAMPLES[kind]) == set(real[kind]), kind
    assert set(SAMPLES["complaint_escalated"]) == set(real["complaint_escalated"])

