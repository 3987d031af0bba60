from datetime import UTC, date, datetime

import pytest
from jinja2.exceptions import UndefinedError

from plumbing.clock import FixedClock
from plumbing.events import new_event
from services.notifications.domain import Intent, intents_for, message_id
from services.notifications.templates import render
from services.registry.domain import applied_event_data, new_merchant, precheck

PENDING = {"merchant_id": "m-1", "name": "鼓楼小吃店", "status": "pending_onsite",
           "rejection_reasons": []}
REJECTED = {**PENDING, "status": "rejected", "rejection_reasons": [
    {"code": "BUSINESS_LICENCE_MISSING", "message": "营业执照缺失"},
    {"code": "ABNORMAL_LISTED", "message": "已被列入经营异常名录"}]}


def test_zh_cn_received():
    title, body = render("merchant_applied", "zh-CN", PENDING)
    assert title == "放心消费单位申报已受理"
    assert body.startswith("鼓楼小吃店：") and "现场核查" in body


def test_en_received():
    title, body = render("merchant_applied", "en", PENDING)
    assert title == "Application received"
    assert body.startswith("鼓楼小吃店: ") and "on-site verification" in body


@pytest.mark.parametrize("locale", ["fr", "zh", "en-US", "", None, "../en"])
def test_unknown_locale_falls_back_to_zh_cn(locale):
    assert render("merchant_applied", locale, PENDING) == render("merchant_applied", "zh-CN",
                                                                  PENDING)


def test_zh_cn_rejection_lists_the_reason_messages():
    title, body = render("merchant_applied", "zh-CN", REJECTED)
    assert title == "放心消费单位申报未通过预审"
    assert "原因：营业执照缺失；已被列入经营异常名录。" in body


def test_en_rejection_lists_the_reason_codes():
    title, body = render("merchant_applied", "en", REJECTED)
    assert title == "Application did not pass the pre-check"
    assert "pre-check: BUSINESS_LICENCE_MISSING, ABNORMAL_LISTED. Please" in body


def test_rendered_text_is_stripped():
    for part in render("merchant_applied", "zh-CN", PENDING):
        assert part == part.strip()


def test_missing_context_fails_loudly():
    with pytest.raises(UndefinedError):
        render("merchant_applied", "zh-CN", {"status": "pending_onsite"})


def test_message_id_is_derived_from_event_recipient_and_channel():
    assert message_id("e1", "merchant:m-1", "inbox") == "e1:merchant:m-1:inbox"
    assert message_id("e1", "merchant:m-1", "sms") != message_id("e1", "merchant:m-1", "inbox")


def test_merchant_applied_tells_the_merchant_inbox():
    envelope = {"event_id": "e1", "source": "registry", "type": "merchant_applied",
                "data": REJECTED}
    assert intents_for(envelope) == [Intent(
        recipient="merchant:m-1", topic="certification", template="merchant_applied",
        context=REJECTED, critical=False)]


def test_registry_event_renders_into_a_message(application):
    """The registry's event data is enough context for the notification template."""
    reasons = precheck(application, date(2026, 11, 21), abnormal_listed=True)
    merchant = new_merchant("m-7", application, reasons, "u-1", "2026-11-21T08:00:00.000000Z")
    envelope = new_event("registry", "merchant_applied", applied_event_data(merchant),
                         FixedClock(datetime(2026, 11, 21, tzinfo=UTC)))
    [intent] = intents_for(envelope)
    title, body = render(intent.template, "zh-CN", intent.context)
    assert intent.recipient == "merchant:m-7"
    assert title == "放心消费单位申报未通过预审"
    assert "已被列入经营异常名录" in body
