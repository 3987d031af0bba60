"""Who hears what, on which channels."""
import pytest

from services.notifications.domain import (
    Intent,
    audience_regions,
    default_preferences,
    deliveries_for,
    intents_for,
)

FACTS = {"complaint_id": "c1", "merchant_id": "m1", "consumer": "u1", "region": "330106",
         "industry": "catering", "category": "price"}


def envelope(source, event_type, **data):
    return {"event_id": "e", "source": source, "type": event_type, "data": data}


@pytest.mark.parametrize("source, event_type, data, recipients", [
    ("complaints", "complaint_forwarded", FACTS, ["merchant:m1"]),
    ("complaints", "complaint_responded", FACTS, ["user:u1"]),
    ("complaints", "complaint_closed", {**FACTS, "by_deadline": False}, ["user:u1"]),
    ("complaints", "complaint_closed", {**FACTS, "by_deadline": True},
     ["user:u1", "merchant:m1"]),
    ("complaints", "complaint_screening_escalated", {**FACTS, "to_region": "330100"},
     ["region:330100", "user:u1"]),
    ("complaints", "complaint_escalated", {**FACTS, "reason": "deadline_missed"},
     ["user:u1", "merchant:m1"]),
    ("complaints", "complaint_escalated", {**FACTS, "reason": "consumer_rejected"},
     ["user:u1"]),
    ("complaints", "complaint_submitted", {**FACTS, "flagged": True}, ["region:330106"]),
    ("complaints", "complaint_submitted", {**FACTS, "flagged": False}, []),
    ("complaints", "hotspot_detected", {"region": "330106"}, ["region:330106"]),
    ("coupons", "coupon_expiring", {"consumer": "u1"}, ["user:u1"]),
    ("coupons", "settlement_held", {"merchant_id": "m1", "region": "330106"},
     ["region:330106"]),
    ("coupons", "settlement_released", {"merchant_id": "m1", "region": "330106"},
     ["region:330106", "merchant:m1"]),
    ("registry", "merchant_certified", {"merchant_id": "m1"}, ["merchant:m1"]),
    ("registry", "spot_check_assigned", {"merchant_id": "m1"}, ["merchant:m1"]),
    ("registry", "merchant_updated", {"merchant_id": "m1"}, []),
])
def test_each_event_reaches_the_people_it_concerns(source, event_type, data, recipients):
    assert [i.recipient for i in intents_for(envelope(source, event_type, **data))] == \
        recipients


def test_a_closing_by_deadline_tells_the_merchant_in_its_own_words():
    intents = intents_for(envelope("complaints", "complaint_closed", **FACTS, by_deadline=True))
    assert [(i.topic, i.template) for i in intents] == [
        ("complaint", "complaint_closed"), ("complaint", "complaint_closed_merchant")]


def test_the_next_level_screens_as_regulators_and_the_consumer_hears_of_it():
    intents = intents_for(envelope("complaints", "complaint_screening_escalated", **FACTS,
                                   to_region="330100"))
    assert [(i.topic, i.template) for i in intents] == [
        ("regulation", "complaint_screening_escalated"),
        ("complaint", "complaint_screening_escalated_consumer")]


@pytest.mark.parametrize("to, critical", [("suspended", True), ("delisted", True),
                                          ("warned", False), ("certified", False)])
def test_losing_certification_is_critical(to, critical):
    [intent] = intents_for(envelope("registry", "merchant_status_changed", merchant_id="m1",
                                    to=to))
    assert intent.critical is critical


def test_deadlines_are_critical():
    [intent] = intents_for(envelope("complaints", "complaint_deadline_approaching", **FACTS))
    assert intent.critical


PREFERENCES = {**default_preferences("user:u1"),
               "contacts": {"email": "u1@example.org", "phone": "13800138000"},
               "opt_out": {"coupon": ["inbox", "sms"]}}


def test_the_inbox_and_every_channel_with_an_address():
    intent = Intent("user:u1", "complaint", "t", {})
    assert deliveries_for(intent, PREFERENCES) == [
        ("inbox", "user:u1"), ("email", "u1@example.org"), ("sms", "13800138000")]


def test_an_opt_out_holds_back_a_normal_message():
    intent = Intent("user:u1", "coupon", "t", {})
    assert deliveries_for(intent, PREFERENCES) == [("email", "u1@example.org")]


def test_a_critical_message_ignores_opt_outs():
    intent = Intent("user:u1", "coupon", "t", {}, critical=True)
    assert [c for c, _ in deliveries_for(intent, PREFERENCES)] == ["inbox", "email", "sms"]


def test_no_address_no_channel():
    intent = Intent("user:u1", "coupon", "t", {})
    assert deliveries_for(intent, default_preferences("user:u1")) == [("inbox", "user:u1")]


def test_the_audience_is_learnt_from_complaints_and_claims():
    assert audience_regions(envelope("complaints", "complaint_submitted", **FACTS)) == [
        ("u1", "330106")]
    assert audience_regions(envelope("coupons", "coupon_claimed", consumer="u2",
                                     regions=["330100", "330200"])) == [
        ("u2", "330100"), ("u2", "330200")]
