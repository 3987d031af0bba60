"""Every notification template renders in both locales from its event's data, and the data the
services really emit is enough for them (StrictUndefined fails on a missing field)."""
from datetime import date
from pathlib import Path

import jinja2.exceptions
import pytest

from plumbing.actors import Actor
from plumbing.clock import shifted
from services.complaints import deadlines, lifecycle
from services.complaints.events import CONTRACTS as COMPLAINT_CONTRACTS
from services.complaints.settings import ComplaintSettings, rules_of
from services.coupons.events import CONTRACTS as COUPON_CONTRACTS
from services.notifications import formatting
from services.notifications.domain import intents_for
from services.notifications.formatting import en_label, zh_label
from services.notifications.templates import LOCALES, render
from services.registry import certification
from services.registry.domain import new_merchant

TEMPLATE_ROOT = Path(formatting.__file__).parent / "templates"
NOW = "2026-11-21T08:00:00.000000Z"
EARLY = "2026-08-03T02:00:00.000000Z"  # 45 working days later is still in a covered year
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
    "merchant_re_evaluated": {"merchant_id": "m-1", "region": "330106", "outcome": "upgraded",
                              "score": 91.5, "stars": 5, "previous_stars": 4},
    "spot_check_assigned": {"task_id": "t-1", "batch_id": "b-1", "merchant_id": "m-1",
                            "region": "330106"},
    **{event: COMPLAINT_CONTRACTS[event].example for event in (
        "complaint_forwarded", "complaint_deadline_approaching", "complaint_escalated",
        "complaint_responded", "complaint_closed", "complaint_screening_escalated",
        "complaint_public_reply_posted", "complaint_decision_due")},
    "complaint_escalated_consumer": {**COMPLAINT_CONTRACTS["complaint_escalated"].example,
                                     "reason": "consumer_rejected"},
    "complaint_closed_merchant": COMPLAINT_CONTRACTS["complaint_closed"].example,
    "complaint_screening_escalated_consumer":
        COMPLAINT_CONTRACTS["complaint_screening_escalated"].example,
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
    "ballot_won": COUPON_CONTRACTS["ballot_won"].example,
    "settlement_held": COUPON_CONTRACTS["settlement_held"].example,
    "settlement_released": COUPON_CONTRACTS["settlement_released"].example,
    "settlement_released_merchant": COUPON_CONTRACTS["settlement_released"].example,
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

def pending(data, year=2027):
    """``data`` whose deadline waits for the official calendar of ``year``."""
    due_field = next(name for name in ("deadline_at", "mediation_deadline_at") if name in data)
    return {**data, due_field: None,
            "deadline": {**data["deadline"], "due_at": None, "pending_year": year}}


def test_zh_cn_complaint_names_the_category_and_the_working_day_deadline_in_beijing_time():
    title, body = render("complaint_forwarded", "zh-CN", SAMPLES["complaint_forwarded"])
    assert title == "新投诉待处理：质量问题"
    assert body.startswith("湖滨小吃店：") and "请于 2026-11-21 24:00 前答复（7 个工作日）" in body
    assert "审核期限" not in body


def test_en_complaint_says_the_deadline_is_utc_plus_8_and_in_working_days():
    _, body = render("complaint_forwarded", "en", SAMPLES["complaint_forwarded"])
    assert "about product quality" in body
    assert "please answer by 2026-11-21 24:00 (UTC+8, 7 working days)" in body


def test_a_deadline_in_seconds_is_said_to_the_minute_without_working_days():
    data = SAMPLES["complaint_forwarded"]
    data = {**data, "deadline": {**data["deadline"], "unit": "seconds", "count": 600,
                                 "due_at": "2026-11-12T08:10:00.000000Z"}}
    _, body = render("complaint_forwarded", "zh-CN", data)
    assert "请于 2026-11-12 16:10 前答复。" in body and "工作日" not in body


def test_a_forwarding_accepted_by_lapsed_screening_says_so():
    data = {**SAMPLES["complaint_forwarded"], "screening_lapsed": True}
    _, body = render("complaint_forwarded", "zh-CN", data)
    assert "未在审核期限内作出决定，投诉已依规受理" in body
    assert "so it has been accepted" in render("complaint_forwarded", "en", data)[1]


ONCE_PUBLISHED = "将在 2027 年官方日历发布后确定"
WHEN_PUBLISHED = "will be set once the official calendar for 2027 is published"


@pytest.mark.parametrize("template, event, zh, en", [
    ("complaint_forwarded", "complaint_forwarded", "答复期限（7 个工作日）" + ONCE_PUBLISHED,
     "the deadline to answer (7 working days) " + WHEN_PUBLISHED),
    ("complaint_escalated", "complaint_escalated", "调解期限（45 个工作日）" + ONCE_PUBLISHED,
     "the mediation deadline (45 working days) " + WHEN_PUBLISHED),
    ("complaint_escalated_consumer", "complaint_escalated",
     "调解期限（45 个工作日）" + ONCE_PUBLISHED, WHEN_PUBLISHED),
    ("complaint_screening_escalated", "complaint_screening_escalated",
     "审核期限（7 个工作日）" + ONCE_PUBLISHED, "the screening deadline (7 working days) "
     + WHEN_PUBLISHED),
    ("complaint_screening_escalated_consumer", "complaint_screening_escalated",
     "审核期限（7 个工作日）" + ONCE_PUBLISHED, WHEN_PUBLISHED),
])
def test_a_pending_deadline_waits_for_the_calendar_of_its_year(template, event, zh, en):
    data = pending(COMPLAINT_CONTRACTS[event].example)
    _, zh_body = assert_rendered(template, "zh-CN", data)
    _, en_body = assert_rendered(template, "en", data)
    assert zh in zh_body and en in en_body
    assert "24:00" not in zh_body + en_body


def test_mediation_names_its_working_day_deadline():
    _, body = render("complaint_escalated_consumer", "zh-CN", SAMPLES["complaint_escalated"])
    assert "调解期限至 2027-01-15 24:00（45 个工作日）" in body
    _, body = render("complaint_escalated", "en", SAMPLES["complaint_escalated"])
    assert "the mediation deadline is 2027-01-15 24:00 (UTC+8, 45 working days)" in body


def test_closed_complaint_shows_the_money_recovered_in_yuan():
    data = {**SAMPLES["complaint_closed"], "closing": "resolved_monetary", "by_deadline": False}
    _, zh_body = render("complaint_closed", "zh-CN", data)
    _, en_body = render("complaint_closed", "en", data)
    assert "已解决（挽回经济损失）" in zh_body and "挽回经济损失 128.00 元" in zh_body
    assert "resolved with monetary relief" in en_body and "¥128.00" in en_body
    assert "期限届满" not in zh_body and "deadline" not in en_body


@pytest.mark.parametrize("closing", ["accepted_by_default", "mediation_ended"])
def test_a_closing_by_deadline_says_the_deadline_closed_it_and_how_to_both_parties(closing):
    data = {**SAMPLES["complaint_closed"], "closing": closing}
    for template in ("complaint_closed", "complaint_closed_merchant"):
        _, zh_body = render(template, "zh-CN", data)
        _, en_body = render(template, "en", data)
        assert "因期限届满已自动办结" in zh_body and zh_label(closing, "closing") in zh_body
        assert "by itself because its deadline passed" in en_body
        assert en_label(closing, "closing") in en_body


def test_the_merchant_is_told_what_its_accepted_proposal_costs():
    _, body = render("complaint_closed_merchant", "zh-CN", SAMPLES["complaint_closed"])
    assert "逾期未答复，视为接受经营者方案" in body and "向消费者支付 128.00 元" in body
    data = {**SAMPLES["complaint_closed"], "closing": "mediation_ended",
            "amount_recovered_fen": 0}
    assert "¥" not in render("complaint_closed_merchant", "en", data)[1]


def test_closed_without_money_says_nothing_about_money():
    data = {**SAMPLES["complaint_closed"], "closing": "withdrawn", "amount_recovered_fen": 0,
            "by_deadline": False}
    _, body = render("complaint_closed", "zh-CN", data)
    assert "元" not in body and "已撤回" in body and "满意度" not in body


def test_responded_names_the_proposal_and_the_time_taken():
    _, body = render("complaint_responded", "zh-CN", SAMPLES["complaint_responded"])
    assert "处理方案为退款" in body and "用时1小时30分钟" in body and "超过" not in body
    late = {**SAMPLES["complaint_responded"], "proposal": "dispute", "timely": False}
    _, body = render("complaint_responded", "en", late)
    assert "it disputes the complaint" in body and "after the deadline" in body


@pytest.mark.parametrize("decision_deadline", [{}, {"decision_deadline_at": None}])
def test_responded_without_a_decision_deadline_says_nothing_of_one(decision_deadline):
    data = {**SAMPLES["complaint_responded"], **decision_deadline}
    assert "视为接受" not in render("complaint_responded", "zh-CN", data)[1]
    assert "counts as accepted" not in render("complaint_responded", "en", data)[1]


def test_responded_says_by_when_silence_accepts_the_answer():
    data = {**SAMPLES["complaint_responded"],
            "decision_deadline_at": "2026-11-30T16:00:00.000000Z"}
    _, zh_body = render("complaint_responded", "zh-CN", data)
    _, en_body = render("complaint_responded", "en", data)
    assert "请于 2026-11-30 24:00 前作出选择，逾期未选择的，视为接受商家的答复" in zh_body
    assert "by 2026-11-30 24:00 (UTC+8): without your choice by then, the answer counts as " \
        "accepted" in en_body


def test_screening_escalated_names_the_level_that_screens_it_now():
    data = SAMPLES["complaint_screening_escalated"]
    _, body = render("complaint_screening_escalated", "zh-CN", data)
    assert "已移交 330100 审核" in body and "审核期限至 2026-11-21 24:00（7 个工作日）" in body
    _, body = render("complaint_screening_escalated_consumer", "zh-CN", data)
    assert "已移交上一级市场监管部门审核" in body and "职业索赔" not in body


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


def filed_complaint(flagged=False, now=NOW):
    filing = {"category": "quality", "title": "买到变质食品", "description": "面包已发霉",
              "amount_fen": 2500, "occurred_on": date(2026, 11, 20),
              "evidence_urls": [], "contact_phone": "13800138000", "public_consent": False}
    merchant = {"merchant_id": "m-1", "name": "湖滨小吃店", "region": "330106",
                "industry": "catering"}
    return lifecycle.new_complaint("c-9", "u-42", filing, merchant, now, SETTINGS, flagged)


def after(complaint, change):
    return {**complaint, **change.fields}, change.events


def overdue(complaint):
    """The complaint once its present state's deadline has passed, and the events of that."""
    return after(complaint, lifecycle.end_if_overdue(
        complaint, shifted(deadlines.due_at(complaint), 1), SETTINGS))


def screening_events():
    """A flagged complaint nobody screens: up level by level, then accepted."""
    complaint, events = filed_complaint(flagged=True)
    while complaint["status"] == "flagged":
        complaint, passed = overdue(complaint)
        events += passed
    return events


def complaint_events():
    """Every notified complaint event, as the complaints service's rules emit them."""
    complaint, events = filed_complaint()
    events += screening_events()
    events += filed_complaint(now="2026-12-28T02:00:00.000000Z")[1]  # its deadline is pending
    events += lifecycle.remind_if_due(complaint, shifted(complaint["deadline_at"], -60),
                                      SETTINGS).events
    events += overdue(complaint)[1]  # to mediation, its 45 working days pending 2027
    mediation, escalated = overdue(filed_complaint(now=EARLY)[0])
    events += escalated + overdue(mediation)[1]
    answered, responded = after(complaint, lifecycle.respond(
        complaint, MERCHANT, {"proposal": "refund", "amount_fen": 2500}, shifted(NOW, 3600),
        SETTINGS))
    events += responded + overdue(answered)[1]
    events += lifecycle.remind_if_due(answered, shifted(answered["decision_deadline_at"], -60),
                                      SETTINGS).events
    for accept in (True, False):
        events += lifecycle.decide(answered, CONSUMER, accept, "", shifted(NOW, 7200),
                                   SETTINGS).events
    return events


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


def assert_every_template_renders(source, events):
    """Each message the rules make of ``source``'s events renders in every locale: the
    templates rendered, by recipient."""
    rendered = set()
    for kind, data in events:
        for intent in intents_for({"source": source, "type": kind, "data": data}):
            for locale in LOCALES:
                assert_rendered(intent.template, locale, intent.context)
            rendered.add((intent.template, intent.recipient))
    return rendered


def test_the_complaint_rules_data_renders_and_reaches_its_recipients():
    rendered = assert_every_template_renders("complaints", complaint_events())
    merchant, consumer = "merchant:m-1", "user:u-42"
    assert rendered == {
        ("complaint_flagged", "region:330106"), ("complaint_forwarded", merchant),
        ("complaint_screening_escalated", "region:330100"),
        ("complaint_screening_escalated", "region:330000"),
        ("complaint_screening_escalated_consumer", consumer),
        ("complaint_deadline_approaching", merchant), ("complaint_escalated", merchant),
        ("complaint_escalated_consumer", consumer), ("complaint_responded", consumer),
        ("complaint_decision_due", consumer),
        ("complaint_closed", consumer), ("complaint_closed_merchant", merchant)}


@pytest.mark.parametrize("proposal, zh, en", [
    ("refund", "视为接受商家的方案", "the offer counts as accepted"),
    ("dispute", "投诉将按未解决办结", "closed as unresolved")])
def test_the_decision_reminder_says_what_silence_does(proposal, zh, en):
    data = {**SAMPLES["complaint_decision_due"], "proposal": proposal}
    assert zh in render("complaint_decision_due", "zh-CN", data)[1]
    assert en in render("complaint_decision_due", "en", data)[1]


def test_the_rules_pending_deadline_renders_the_pending_wording():
    [_, (kind, data)] = filed_complaint(now="2026-12-28T02:00:00.000000Z")[1]
    assert (kind, data["deadline_at"], data["deadline"]["pending_year"]) == (
        "complaint_forwarded", None, 2027)
    assert "2027 年官方日历发布后确定" in render(kind, "zh-CN", data)[1]
    assert "official calendar for 2027" in render(kind, "en", data)[1]


def test_every_complaint_closing_by_the_rules_names_how_it_closed():
    closed = [data for kind, data in complaint_events() if kind == "complaint_closed"]
    assert {(data["closing"], data["by_deadline"]) for data in closed} == {
        ("accepted_by_default", True), ("mediation_ended", True),
        ("resolved_monetary", False)}


def test_the_registry_rules_data_renders(application):
    rendered = assert_every_template_renders("registry", registry_events(application))
    assert {template for template, _ in rendered} >= {
        "merchant_review_recorded", "merchant_certified", "merchant_rejected",
        "merchant_status_changed"}


def test_sample_facts_are_the_complaints_facts():
    """The samples above carry the fields of the real events, less only optional ones (so the
    renders above are honest about StrictUndefined)."""
    real = dict(complaint_events())
    for kind in ("complaint_forwarded", "complaint_deadline_approaching", "complaint_responded",
                 "complaint_closed", "complaint_escalated", "complaint_screening_escalated",
                 "complaint_decision_due"):
        assert set(real[kind]) - set(SAMPLES[kind]) <= {"decision_deadline_at"}, kind
        assert set(SAMPLES[kind]) <= set(real[kind]), kind


def test_a_ballot_winner_is_told_its_coupon_its_quota_and_that_the_draw_can_be_checked():
    data = {**COUPON_CONTRACTS["ballot_won"].example, "group": "medical_staff"}
    title, body = render("ballot_won", "zh-CN", data)
    assert title == "摇号中签：春节餐饮消费券（摇号）"
    assert "满100元减20元" in body and "medical_staff专项名额" in body and "核验" in body
    _, open_draw = render("ballot_won", "en", COUPON_CONTRACTS["ballot_won"].example)
    assert "set aside" not in open_draw and "9f3c0a7b12d45e68" in open_draw


def test_a_held_settlement_tells_the_regulator_each_fired_signal_and_the_spot_check():
    data = COUPON_CONTRACTS["settlement_held"].example
    title, body = render("settlement_held", "zh-CN", data)
    assert title == "消费券结算已暂缓：湖滨小吃店"
    assert "92%的核销订单金额刚好超过使用门槛；85%的核销发生在领券后不久" in body
    assert "抽查" in body
    _, english = render("settlement_held", "en", data)
    assert "92% of its redemptions are orders just above the minimum spend" in english


def test_a_released_settlement_tells_the_regulator_who_released_it_and_the_merchant_why():
    data = COUPON_CONTRACTS["settlement_released"].example
    title, body = render("settlement_released", "zh-CN", data)
    assert title == "消费券结算已恢复：西湖放心面馆"
    assert "operator-7" in body and "现场核查为真实交易" in body
    title, body = render("settlement_released_merchant", "zh-CN", data)
    assert title == "您的消费券结算已恢复：国庆餐饮消费券"
    assert "operator-7" not in body and "现场核查为真实交易" in body
