"""A complaint's life (services/complaints/lifecycle.py), without I/O."""
from datetime import UTC, date, datetime, timedelta

import pytest

from plumbing.actors import Actor
from plumbing.clock import to_rfc3339
from plumbing.errors import DomainError
from services.complaints import lifecycle as lc
from services.complaints import listing
from services.complaints.settings import ComplaintSettings, rules_of

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SETTINGS = ComplaintSettings(
    deadline_rules=rules_of({"screening": 300, "response": 100, "decision": 200,
                                        "mediation": 700}),
    remind_before_seconds=20,
    duplicate_window_seconds=50, claimant_window_seconds=300, claimant_merchant_threshold=3,
    merchant_threshold=5, merchant_threshold_window_seconds=300, hotspot_window_seconds=70,
    hotspot_min_count=5, hotspot_min_growth=0.5)

CONSUMER = Actor(sub="carol", role="consumer")
OTHER_CONSUMER = Actor(sub="dave", role="consumer")
MERCHANT = Actor(sub="alice", role="merchant", merchant_id="m-1")
OTHER_MERCHANT = Actor(sub="eve", role="merchant", merchant_id="m-2")
REGULATOR = Actor(sub="reg", role="regulator", region="350100", level="county")
FAR_REGULATOR = Actor(sub="far", role="regulator", region="330100", level="province")
OPERATOR = Actor(sub="ops", role="operator")

STANDING = {"merchant_id": "m-1", "name": "鼓楼小吃", "region": "350102",
            "industry": "catering"}
FILING = {"category": "quality", "title": "变质", "description": "买到变质食品",
          "amount_fen": 5000, "occurred_on": date(2026, 11, 20), "evidence_urls": [],
          "contact_phone": "13800138000", "public_consent": True, "store_code": "sc-1"}


def t(seconds):
    """The RFC 3339 time ``seconds`` after the start."""
    return to_rfc3339(START + timedelta(seconds=seconds))


def filed(flagged=False):
    complaint, _ = lc.new_complaint("c-1", "carol", FILING, STANDING, t(0), SETTINGS, flagged)
    return complaint


def after(complaint, change):
    return {**complaint, **change.fields}


def responded(proposal="refund", amount_fen=3000, at=10):
    response = {"proposal": proposal, "message": "抱歉", "amount_fen": amount_fen}
    return after(filed(), lc.respond(filed(), MERCHANT, response, t(at), SETTINGS))


def in_mediation():
    complaint = responded()
    return after(complaint, lc.decide(complaint, CONSUMER, False, "不满意", t(20), SETTINGS))


def closed():
    complaint = responded()
    return after(complaint, lc.decide(complaint, CONSUMER, True, "", t(20), SETTINGS))


def error_of(call, *args):
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value.code, caught.value.status


def event_types(events):
    return [kind for kind, _ in events]


# --- filing -------------------------------------------------------------------------------------

def test_new_complaint_is_forwarded_with_a_deadline():
    complaint, events = lc.new_complaint("c-1", "carol", FILING, STANDING, t(0), SETTINGS, False)
    assert complaint["status"] == "forwarded"
    assert complaint["forwarded_at"] == t(0)
    assert complaint["deadline_at"] == t(100)
    assert complaint["occurred_on"] == "2026-11-20"
    assert [e["event"] for e in complaint["timeline"]] == ["submitted", "forwarded"]
    assert event_types(events) == ["complaint_submitted", "complaint_forwarded"]
    assert events[0][1]["flagged"] is False
    assert events[1][1] == {"complaint_id": "c-1", "merchant_id": "m-1", "consumer": "carol",
                            "region": "350102", "industry": "catering", "category": "quality",
                            "deadline_at": t(100), "merchant_name": "鼓楼小吃",
                            "screening_lapsed": False,
                            "deadline": complaint["deadlines"]["response"]}
    assert complaint["deadlines"]["response"] == {
        "kind": "response", "unit": "seconds", "count": 100, "from": t(0), "due_at": t(100),
        "pending_year": None, "rule": "100 秒（经营者收到投诉后直接和解的期限）"}


def test_new_complaint_of_a_suspected_claimant_is_flagged_not_forwarded():
    complaint, events = lc.new_complaint("c-1", "carol", FILING, STANDING, t(0), SETTINGS, True)
    assert complaint["status"] == "flagged"
    assert complaint["deadline_at"] is None and complaint["forwarded_at"] is None
    assert [e["event"] for e in complaint["timeline"]] == ["submitted", "flagged"]
    assert event_types(events) == ["complaint_submitted"]
    assert events[0][1]["flagged"] is True


@pytest.mark.parametrize("merchants, flagged", [
    (["m-1", "m-2"], False), (["m-1", "m-1", "m-1", "m-2"], False), (["m-1", "m-2", "m-3"], True),
])
def test_professional_claimant_counts_distinct_merchants(merchants, flagged):
    assert lc.looks_like_professional_claimant(merchants, SETTINGS) is flagged


# --- the merchant's response --------------------------------------------------------------------

@pytest.mark.parametrize("at, timely", [(10, True), (100, True), (101, False), (5000, False)])
def test_respond_is_timely_until_the_deadline(at, timely):
    complaint = filed()
    response = {"proposal": "apology", "message": "抱歉", "amount_fen": None}
    change = lc.respond(complaint, MERCHANT, response, t(at), SETTINGS)
    assert change.fields["status"] == "responded"
    assert change.fields["timely"] is timely
    assert change.fields["response"] == response
    assert change.events[0][0] == "complaint_responded"
    assert change.events[0][1]["timely"] is timely
    assert change.events[0][1]["response_seconds"] == at


@pytest.mark.parametrize("actor", [OTHER_MERCHANT, CONSUMER, REGULATOR,
                                   Actor(sub="alice", role="consumer", merchant_id="m-1")])
def test_only_the_merchant_complained_about_responds(actor):
    response = {"proposal": "apology", "message": "x", "amount_fen": None}
    assert error_of(lc.respond, filed(), actor, response, t(10), SETTINGS) == ("FORBIDDEN", 403)


def test_respond_to_a_flagged_complaint_is_409():
    response = {"proposal": "apology", "message": "x", "amount_fen": None}
    assert error_of(lc.respond, filed(True), MERCHANT, response, t(10),
                    SETTINGS) == ("WRONG_STATE", 409)


# --- the consumer's decision --------------------------------------------------------------------

@pytest.mark.parametrize("proposal, amount, closing, recovered", [
    ("refund", 3000, "resolved_monetary", 3000),
    ("compensation", 8000, "resolved_monetary", 8000),
    ("refund", None, "resolved_monetary", 0),
    ("apology", None, "resolved_non_monetary", 0),
    ("exchange", None, "resolved_non_monetary", 0),
    ("repair", None, "resolved_non_monetary", 0),
    ("dispute", None, "unresolved", 0),
])
def test_accepting_closes_by_the_proposal(proposal, amount, closing, recovered):
    complaint = responded(proposal, amount)
    change = lc.decide(complaint, CONSUMER, True, "好", t(20), SETTINGS)
    assert change.fields["status"] == "closed"
    assert change.fields["closing"] == closing
    assert change.fields["amount_recovered_fen"] == recovered
    assert change.fields["closed_at"] == t(20)
    assert change.fields["decision"] == {"accept": True, "comment": "好", "at": t(20)}
    assert [e["event"] for e in change.fields["timeline"][-2:]] == ["accepted", "closed"]
    assert change.events[0][0] == "complaint_closed"
    assert change.events[0][1]["amount_recovered_fen"] == recovered
    assert change.events[0][1]["timely"] is True


def test_rejecting_goes_to_mediation_with_a_deadline():
    change = lc.decide(responded(), CONSUMER, False, "太少", t(20), SETTINGS)
    assert change.fields["status"] == "mediation"
    # the mediation rule counts from the acceptance (forwarding at t(0))
    assert change.fields["mediation_deadline_at"] == t(700)
    assert change.fields["decision"]["accept"] is False
    assert [e["event"] for e in change.fields["timeline"][-2:]] == ["rejected_proposal",
                                                                    "escalated"]
    assert change.events == [("complaint_escalated", {
        "complaint_id": "c-1", "merchant_id": "m-1", "consumer": "carol", "region": "350102",
        "industry": "catering", "category": "quality", "reason": "consumer_rejected",
        "mediation_deadline_at": t(700), "deadline": change.fields["deadlines"]["mediation"]})]


@pytest.mark.parametrize("actor", [OTHER_CONSUMER, MERCHANT, REGULATOR])
def test_only_the_consumer_decides(actor):
    assert error_of(lc.decide, responded(), actor, True, "", t(20), SETTINGS) == (
        "FORBIDDEN", 403)


def test_deciding_before_a_response_is_409():
    assert error_of(lc.decide, filed(), CONSUMER, True, "", t(20), SETTINGS) == (
        "WRONG_STATE", 409)


# --- mediation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mediation, closing", [
    ({"outcome": "resolved", "relief": "monetary", "amount_recovered_fen": 2000},
     "resolved_monetary"),
    ({"outcome": "resolved", "relief": "non_monetary", "amount_recovered_fen": 0},
     "resolved_non_monetary"),
    ({"outcome": "failed", "relief": None, "amount_recovered_fen": 0}, "unresolved"),
])
def test_mediation_closes(mediation, closing):
    change = lc.mediate(in_mediation(), REGULATOR, {**mediation, "notes": ""}, t(30))
    assert change.fields["status"] == "closed"
    assert change.fields["closing"] == closing
    assert change.fields["amount_recovered_fen"] == mediation["amount_recovered_fen"]
    assert change.fields["mediation"]["by"] == "reg" and change.fields["mediation"]["at"] == t(30)
    assert change.events[0][1]["amount_recovered_fen"] == mediation["amount_recovered_fen"]


@pytest.mark.parametrize("actor, error", [
    (FAR_REGULATOR, ("OUT_OF_JURISDICTION", 403)), (CONSUMER, ("FORBIDDEN", 403)),
    (MERCHANT, ("FORBIDDEN", 403)),
])
def test_mediation_needs_a_regulator_in_region(actor, error):
    mediation = {"outcome": "failed", "relief": None, "amount_recovered_fen": 0}
    assert error_of(lc.mediate, in_mediation(), actor, mediation, t(30)) == error


def test_mediating_outside_mediation_is_409():
    mediation = {"outcome": "failed", "relief": None, "amount_recovered_fen": 0}
    assert error_of(lc.mediate, responded(), REGULATOR, mediation, t(30)) == ("WRONG_STATE", 409)


# --- withdrawal, rating, screening --------------------------------------------------------------

@pytest.mark.parametrize("make", [filed, lambda: filed(True), responded, in_mediation],
                         ids=["forwarded", "flagged", "responded", "mediation"])
def test_withdraw_from_each_open_status(make):
    complaint = make()
    change = lc.withdraw(complaint, CONSUMER, t(40))
    assert change.fields["status"] == "closed" and change.fields["closing"] == "withdrawn"
    assert change.events[0][1]["closing"] == "withdrawn"


def test_withdraw_a_closed_complaint_is_409():
    assert error_of(lc.withdraw, closed(), CONSUMER, t(40)) == ("WRONG_STATE", 409)


def test_only_the_consumer_withdraws():
    assert error_of(lc.withdraw, filed(), OTHER_CONSUMER, t(40)) == ("FORBIDDEN", 403)


def test_rate_a_closed_complaint_once():
    complaint = closed()
    change = lc.rate(complaint, CONSUMER, 4, t(50))
    assert change.fields["satisfaction"] == 4
    assert change.fields["timeline"][-1] == {"at": t(50), "event": "rated", "by": "carol",
                                             "note": "4"}
    assert change.events == []
    assert error_of(lc.rate, after(complaint, change), CONSUMER, 5, t(60)) == (
        "ALREADY_RATED", 409)


@pytest.mark.parametrize("make", [filed, responded, in_mediation])
def test_rate_an_open_complaint_is_409(make):
    assert error_of(lc.rate, make(), CONSUMER, 4, t(50)) == ("WRONG_STATE", 409)


def test_screen_forward_releases_to_the_merchant_with_a_fresh_deadline():
    change = lc.screen(filed(True), REGULATOR, "forward", "", t(30), SETTINGS)
    assert change.fields["status"] == "forwarded"
    assert change.fields["deadline_at"] == t(130)
    assert [e["event"] for e in change.fields["timeline"][-2:]] == ["screened_forward",
                                                                    "forwarded"]
    assert change.fields["timeline"][-1]["by"] == "reg"
    assert change.events[0][0] == "complaint_forwarded"


def test_screen_reject_closes_as_rejected():
    change = lc.screen(filed(True), REGULATOR, "reject", "职业索赔", t(30), SETTINGS)
    assert change.fields["status"] == "closed" and change.fields["closing"] == "rejected"
    assert change.fields["timeline"][-2]["note"] == "职业索赔"


def test_screen_only_flagged_complaints():
    assert error_of(lc.screen, filed(), REGULATOR, "forward", "", t(30), SETTINGS) == (
        "WRONG_STATE", 409)


def test_screen_outside_region_is_403():
    assert error_of(lc.screen, filed(True), FAR_REGULATOR, "forward", "", t(30), SETTINGS) == (
        "OUT_OF_JURISDICTION", 403)


# --- deadlines ----------------------------------------------------------------------------------

@pytest.mark.parametrize("at, escalates", [(50, False), (100, False), (101, True)])
def test_a_missed_response_deadline_sends_it_to_mediation_untimely(at, escalates):
    change = lc.end_if_overdue(filed(), t(at), SETTINGS)
    assert (change is not None) is escalates
    if escalates:
        assert change.fields["status"] == "mediation"
        assert change.fields["timely"] is False and change.fields["escalated"] is True
        # the mediation rule counts from the acceptance, not from the escalation
        assert change.fields["mediation_deadline_at"] == t(700)
        assert change.events[0][1]["reason"] == "deadline_missed"
        assert [e["event"] for e in change.fields["timeline"]][-2:] == [
            "deadline_passed", "escalated"]


def test_a_closed_complaint_never_ends_again():
    assert lc.end_if_overdue(closed(), t(100_000), SETTINGS) is None


@pytest.mark.parametrize("at, reminds", [(50, False), (79, False), (80, True), (99, True),
                                         (100, False), (150, False)])
def test_remind_within_the_window_before_the_deadline(at, reminds):
    change = lc.remind_if_due(filed(), t(at), SETTINGS)
    assert (change is not None) is reminds
    if reminds:
        assert change.fields == {"reminded": True}
        assert change.events[0][0] == "complaint_deadline_approaching"
        assert change.events[0][1]["deadline_at"] == t(100)


def test_remind_only_once():
    complaint = filed()
    complaint = after(complaint, lc.remind_if_due(complaint, t(85), SETTINGS))
    assert lc.remind_if_due(complaint, t(90), SETTINGS) is None


def test_the_consumer_is_reminded_once_before_its_decision_deadline():
    complaint = responded(at=10)  # the decision is due at 210
    assert complaint["decision_deadline_at"] == t(210)
    assert lc.remind_if_due(complaint, t(85), SETTINGS) is None  # the merchant's window
    change = lc.remind_if_due(complaint, t(195), SETTINGS)
    assert change.fields == {"decision_reminded": True}
    [(kind, data)] = change.events
    assert (kind, data["consumer"], data["decision_deadline_at"], data["proposal"]) == (
        "complaint_decision_due", "carol", t(210), "refund")
    assert listing.keys_of(complaint)["k_remind"] == f"k_remind|{t(210)}|c-1"
    reminded = after(complaint, change)
    assert lc.remind_if_due(reminded, t(200), SETTINGS) is None
    assert listing.keys_of(reminded)["k_remind"] is None


def test_nothing_is_reminded_in_mediation():
    assert lc.remind_if_due(in_mediation(), t(695), SETTINGS) is None
    assert listing.keys_of(in_mediation())["k_remind"] is None


# --- who sees what ------------------------------------------------------------------------------

def test_consumer_sees_everything_but_the_internals():
    shown = lc.view_for(responded(), CONSUMER)
    assert shown["complaint_id"] == "c-1"
    assert shown["consumer"] == "carol" and shown["contact_phone"] == "13800138000"
    assert not {"_id", "version", "reminded", "outbox", "outbox_count"} & set(shown)


def test_merchant_sees_a_masked_phone_and_no_consumer():
    shown = lc.view_for(responded(), MERCHANT)
    assert shown["consumer"] is None
    assert shown["contact_phone"] == "138****8000"
    assert shown["description"] == FILING["description"]


def test_merchant_view_does_not_reveal_the_consumer_anywhere():
    shown = lc.view_for(closed(), MERCHANT)
    assert "carol" not in repr(shown)


@pytest.mark.parametrize("actor, sees", [
    (REGULATOR, True),
    (Actor(sub="p", role="regulator", region="350000", level="province"), True),
    (FAR_REGULATOR, False),
    (OTHER_CONSUMER, False),
    (OTHER_MERCHANT, False),
    (OPERATOR, False),
])
def test_others_see_it_only_as_a_regulator_in_region(actor, sees):
    shown = lc.view_for(responded(), actor)
    if sees:
        assert shown["consumer"] == "carol" and shown["contact_phone"] == "13800138000"
    else:
        assert shown is None


# --- the public record: consent at any time, the merchant's one public reply ----------------------

def test_the_consumer_withdraws_consent_at_any_time_and_may_give_it_again():
    complaint = closed()
    change = lc.set_consent(complaint, CONSUMER, False, t(30))
    withdrawn = after(complaint, change)
    assert withdrawn["public_consent"] is False and not lc.is_published(withdrawn)
    assert change.events[0] == ("complaint_consent_changed", {**change.events[0][1],
                                                            "public_consent": False})
    assert withdrawn["timeline"][-1]["event"] == "consent_withdrawn"
    assert lc.set_consent(withdrawn, CONSUMER, False, t(31)) is None  # nothing to change
    given = after(withdrawn, lc.set_consent(withdrawn, CONSUMER, True, t(32)))
    assert lc.is_published(given) and given["timeline"][-1]["event"] == "consent_given"


@pytest.mark.parametrize("actor", [OTHER_CONSUMER, MERCHANT, REGULATOR])
def test_only_the_consumer_who_filed_it_sets_consent(actor):
    assert error_of(lc.set_consent, closed(), actor, False, t(30))[1] == 403


def test_the_merchant_replies_publicly_once():
    complaint = responded()
    replied = after(complaint, lc.reply_publicly(complaint, MERCHANT, "已退款，致歉", t(30)))
    assert replied["public_reply"] == {"text": "已退款，致歉", "at": t(30)}
    assert replied["timeline"][-1]["event"] == "replied_publicly"
    assert error_of(lc.reply_publicly, replied, MERCHANT, "再说一次", t(31)) == (
        "ALREADY_REPLIED", 409)


def test_a_complaint_that_is_not_published_takes_no_public_reply():
    unpublished = after(responded(), lc.set_consent(responded(), CONSUMER, False, t(20)))
    assert error_of(lc.reply_publicly, unpublished, MERCHANT, "回复", t(30)) == (
        "WRONG_STATE", 409)
    assert error_of(lc.reply_publicly, filed(True), MERCHANT, "回复", t(30)) == (
        "WRONG_STATE", 409)
    assert error_of(lc.reply_publicly, responded(), OTHER_MERCHANT, "回复", t(30))[1] == 403
