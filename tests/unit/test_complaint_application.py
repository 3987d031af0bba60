"""The complaints application code in-process (services/complaints/filing.py, handling.py,
disclosure.py, timers.py): the real code over an in-memory store (tests/unit/fakes/) and a
FixedClock, wired as ComplaintsService wires it."""
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from contracts.schemas.complaints import ComplaintFilingSchema, MerchantAnswerSchema
from plumbing.actors import Actor
from plumbing.clock import FixedClock, from_rfc3339, to_rfc3339
from plumbing.errors import DomainError, validated
from services.complaints import listing, metrics
from services.complaints.disclosure import Disclosure
from services.complaints.filing import Filing
from services.complaints.handling import Handling
from services.complaints.settings import ComplaintSettings, rules_of
from services.complaints.timers import Timers
from tests.unit.calendar_releases import cover_2027
from tests.unit.fakes.complaint_store import FakeComplaintStore
from tests.unit.fakes.registry_rpc import FakeRegistry

START = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
HOUR = 3600
SETTINGS = ComplaintSettings(
    deadline_rules=rules_of({"response": 2 * 24 * HOUR, "mediation": 7 * 24 * HOUR}),

    remind_before_seconds=6 * HOUR, duplicate_window_seconds=24 * HOUR,
    claimant_window_seconds=30 * 24 * HOUR, claimant_merchant_threshold=3,
    merchant_threshold=3, merchant_threshold_window_seconds=30 * 24 * HOUR,
    hotspot_window_seconds=7 * 24 * HOUR, hotspot_min_count=3, hotspot_min_growth=0.5)
MERCHANTS = [{"merchant_id": f"m-{n}", "name": f"鼓楼小吃{n}", "region": "350102",
              "industry": "catering", "status": "certified", "store_code": f"sc-{n}"}
             for n in range(1, 5)]
CONSUMER = Actor(sub="carol", role="consumer")
MERCHANT = Actor(sub="alice", role="merchant", merchant_id="m-1")
REGULATOR = Actor(sub="reg", role="regulator", region="350100", level="city")


@pytest.fixture
def app():
    store, clock, registry = FakeComplaintStore(), FixedClock(START), FakeRegistry(MERCHANTS)
    handling = Handling(store, clock, SETTINGS)
    return SimpleNamespace(
        store=store, clock=clock, registry=registry, handling=handling,
        filing=Filing(store, clock, SETTINGS, registry, sleep=lambda seconds: None),
        disclosure=Disclosure(store, clock),
        timers=Timers(store, clock, SETTINGS, handling))


def file(app, consumer=CONSUMER, **overrides):
    body = validated(ComplaintFilingSchema(), {
        "merchant_id": "m-1", "category": "quality", "title": "买到变质食品",
        "description": "昨晚买的卤味变质了，店员不肯退", "amount_fen": 4800,
        "occurred_on": "2026-11-20", "contact_phone": "13800138000", "public_consent": True,
        **overrides})
    return app.filing.file(consumer, body)


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# --- filing ------------------------------------------------------------------------------------

def test_a_filed_complaint_is_stored_forwarded_with_its_events(app):
    complaint = file(app)
    assert complaint["status"] == "forwarded"
    assert complaint["deadline_at"] == "2026-11-23T08:00:00.000000Z"
    stored = app.store.complaints[complaint["complaint_id"]]
    assert stored["consumer"] == "carol" and stored["region"] == "350102"
    [submitted] = app.store.events_of("complaint_submitted")
    [forwarded] = app.store.events_of("complaint_forwarded")
    assert submitted["complaint_id"] == forwarded["complaint_id"] == complaint["complaint_id"]
    assert submitted["flagged"] is False and forwarded["merchant_name"] == "鼓楼小吃1"
    # the round trips of a filing, each once
    assert {name: app.store.calls[name] for name in app.store.calls} == {
        "claim_filing": 1, "merchants_complained_about_by": 1, "insert_complaint": 1,
        "reported": 1, "filed_against": 1}


def test_a_filing_by_store_code_asks_the_registry_by_code(app):
    body = validated(ComplaintFilingSchema(), {
        "store_code": "sc-2", "category": "price", "title": "价格不符",
        "description": "标价与结账不符", "occurred_on": "2026-11-20",
        "contact_phone": "13800138000"})
    complaint = app.filing.file(CONSUMER, body)
    assert complaint["merchant_id"] == "m-2" and app.registry.asked == ["sc-2"]


def test_a_duplicate_within_the_window_is_refused_and_stores_nothing(app):
    file(app)
    assert refusal(lambda: file(app)) == "DUPLICATE_COMPLAINT"
    assert len(app.store.complaints) == 1
    assert len(app.store.events_of("complaint_submitted")) == 1
    # another category, or the same one after the window, is a new complaint
    file(app, category="price")
    app.clock.advance(hours=25)
    file(app)
    assert len(app.store.complaints) == 3


def test_an_unknown_merchant_or_a_future_date_stores_nothing(app):
    assert refusal(lambda: file(app, merchant_id="m-404")) == "MERCHANT_NOT_FOUND"
    assert refusal(lambda: file(app, occurred_on="2026-11-22")) == "VALIDATION_ERROR"
    assert app.store.complaints == {} and app.store.events == []
    assert app.store.filing_claims == {}  # neither claimed the filing


def test_a_professional_claimant_is_flagged_and_not_forwarded(app):
    for merchant in ("m-1", "m-2"):
        assert file(app, merchant_id=merchant)["status"] == "forwarded"
    third = file(app, merchant_id="m-3")  # the third merchant within 30 days
    assert third["status"] == "flagged" and third["deadline_at"] is None
    assert app.store.events_of("complaint_submitted")[-1]["flagged"] is True
    assert third["complaint_id"] not in [
        e["complaint_id"] for e in app.store.events_of("complaint_forwarded")]
    # a regulator releases it to the merchant
    released = app.handling.screen(REGULATOR, third["complaint_id"], "forward", "")
    assert released["status"] == "forwarded"
    assert app.store.events_of("complaint_forwarded")[-1]["complaint_id"] == \
        third["complaint_id"]


def test_a_merchant_over_the_threshold_is_reported_once_per_window(app):
    for n in range(4):
        file(app, consumer=Actor(sub=f"c-{n}", role="consumer"))
    [report] = app.store.events_of("merchant_complaint_threshold_exceeded")
    assert report["merchant_id"] == "m-1" and report["count"] == 3
    assert report["threshold"] == 3


# --- a complaint's life ------------------------------------------------------------------------

def answer(proposal="refund", amount_fen=4800):
    return validated(MerchantAnswerSchema(), {"proposal": proposal, "message": "抱歉，全额退款",
                                              "amount_fen": amount_fen})


def test_the_merchants_response_then_the_consumers_acceptance_closes_it(app):
    complaint_id = file(app)["complaint_id"]
    app.clock.advance(hours=3)
    responded = app.handling.respond(MERCHANT, complaint_id, answer())
    assert responded["status"] == "responded" and responded["timely"] is True
    assert responded["consumer"] is None  # the merchant's view
    [event] = app.store.events_of("complaint_responded")
    assert event["proposal"] == "refund" and event["response_seconds"] == 3 * HOUR
    closed = app.handling.decide(CONSUMER, complaint_id, True, "谢谢")
    assert closed["status"] == "closed" and closed["closing"] == "resolved_monetary"
    assert closed["amount_recovered_fen"] == 4800
    [event] = app.store.events_of("complaint_closed")
    assert event["closing"] == "resolved_monetary" and event["timely"] is True
    assert app.store.complaints[complaint_id]["version"] == 3


def test_a_rejected_answer_goes_to_mediation(app):
    complaint_id = file(app)["complaint_id"]
    app.handling.respond(MERCHANT, complaint_id, answer("apology", None))
    rejected = app.handling.decide(CONSUMER, complaint_id, False, "不够")
    assert rejected["status"] == "mediation"
    [event] = app.store.events_of("complaint_escalated")
    assert event["reason"] == "consumer_rejected"


def test_only_the_merchant_complained_about_responds(app):
    complaint_id = file(app)["complaint_id"]
    other = Actor(sub="eve", role="merchant", merchant_id="m-2")
    assert refusal(lambda: app.handling.respond(other, complaint_id, answer())) == "FORBIDDEN"
    assert refusal(lambda: app.handling.view(other, complaint_id)) == "FORBIDDEN"
    assert refusal(lambda: app.handling.view(CONSUMER, "nope")) == "NOT_FOUND"
    assert app.store.events_of("complaint_responded") == []


def test_a_consumer_lists_its_own_complaints(app):
    first = file(app)["complaint_id"]
    second = file(app, category="price")["complaint_id"]
    file(app, consumer=Actor(sub="dave", role="consumer"))
    page = app.handling.page(CONSUMER, {})
    assert {c["complaint_id"] for c in page["items"]} == {first, second}


# --- the timers --------------------------------------------------------------------------------

def test_a_missed_deadline_is_escalated_by_the_timer_pass(app):
    complaint_id = file(app)["complaint_id"]
    app.clock.advance(hours=44)  # within 6 h of the deadline: reminded
    app.timers.watch_deadlines()
    [reminder] = app.store.events_of("complaint_deadline_approaching")
    assert reminder["complaint_id"] == complaint_id
    assert app.store.events_of("complaint_escalated") == []
    app.clock.advance(hours=5)  # past the deadline
    app.timers.watch_deadlines()
    stored = app.store.complaints[complaint_id]
    assert stored["status"] == "mediation" and stored["escalated"] is True
    assert stored["timely"] is False
    [event] = app.store.events_of("complaint_escalated")
    assert event["reason"] == "deadline_missed"
    assert event["mediation_deadline_at"] == stored["mediation_deadline_at"]
    app.timers.watch_deadlines()  # nothing is overdue any more
    assert len(app.store.events_of("complaint_escalated")) == 1
    assert len(app.store.events_of("complaint_deadline_approaching")) == 1
    assert refusal(lambda: app.handling.respond(MERCHANT, complaint_id, answer())) == \
        "WRONG_STATE"


def test_a_proposal_left_unanswered_is_closed_by_the_timer_pass_and_counted(app):
    complaint_id = file(app)["complaint_id"]
    app.handling.respond(MERCHANT, complaint_id, answer())
    decision_due = app.store.complaints[complaint_id]["decision_deadline_at"]
    app.timers.watch_deadlines()
    assert app.store.complaints[complaint_id]["status"] == "responded"
    assert app.store.events_of("complaint_decision_due") == []
    # 3 h before the decision is due (past 7 working days; 21 November 2026 is a Saturday)
    app.clock.advance(seconds=(from_rfc3339(decision_due) - app.clock.now()).total_seconds()
                      - 3 * 3600)
    app.timers.watch_deadlines()
    [reminder] = app.store.events_of("complaint_decision_due")
    assert (reminder["consumer"], reminder["decision_deadline_at"]) == ("carol", decision_due)
    app.clock.advance(hours=4)
    assert to_rfc3339(app.clock.now()) > decision_due
    ended_before = metrics.STATES_ENDED.labels("decision")._value.get()
    app.timers.watch_deadlines()
    stored = app.store.complaints[complaint_id]
    assert (stored["status"], stored["closing"]) == ("closed", "accepted_by_default")
    [closed] = app.store.events_of("complaint_closed")
    assert closed["by_deadline"] is True and closed["amount_recovered_fen"] == 4800
    assert metrics.STATES_ENDED.labels("decision")._value.get() == ended_before + 1
    app.timers.watch_deadlines()
    assert len(app.store.events_of("complaint_closed")) == 1
    assert len(app.store.events_of("complaint_decision_due")) == 1


def test_the_timer_pass_leaves_a_deadline_pending_until_its_year_is_covered(app, monkeypatch):
    working_days_only = replace(SETTINGS, deadline_rules=rules_of({}))
    app.filing = Filing(app.store, app.clock, working_days_only, app.registry,
                        sleep=lambda seconds: None)
    app.timers = Timers(app.store, app.clock, working_days_only,
                        Handling(app.store, app.clock, working_days_only))
    app.clock.advance(hours=24 * 37)  # 28 December 2026: 7 working days run into 2027
    complaint_id = file(app)["complaint_id"]
    stored = app.store.complaints[complaint_id]
    assert stored["deadline_at"] is None
    assert listing.keys_of(stored)["k_pending"] == f"k_pending|2027|{complaint_id}"
    app.timers.watch_deadlines()  # the calendar ends with 2026: nothing to compute yet
    assert app.store.complaints[complaint_id]["deadline_at"] is None
    assert metrics.DEADLINES_PENDING._value.get() == 1
    cover_2027(monkeypatch)
    app.timers.watch_deadlines()
    computed = app.store.complaints[complaint_id]
    assert computed["deadline_at"] == "2027-01-07T16:00:00.000000Z"
    assert computed["timeline"][-1]["event"] == "deadline_computed"
    assert metrics.DEADLINES_PENDING._value.get() == 0


def test_a_hot_spot_is_stored_once_per_period(app):
    for n in range(3):
        file(app, consumer=Actor(sub=f"c-{n}", role="consumer"), merchant_id=f"m-{n + 1}")
    app.timers.find_hotspots()
    app.timers.find_hotspots()
    [spot] = app.store.events_of("hotspot_detected")
    assert (spot["region"], spot["industry"], spot["category"], spot["count"]) == (
        "350102", "catering", "quality", 3)
    page = app.disclosure.hotspots("3501", {})
    assert [s["hotspot_id"] for s in page["items"]] == [spot["hotspot_id"]]


# --- disclosure --------------------------------------------------------------------------------

def test_the_public_disclosure_counts_and_masks(app):
    complaint_id = file(app, description="店员张三说找13912345678")["complaint_id"]
    app.handling.respond(MERCHANT, complaint_id, answer())
    disclosure = app.disclosure.public("m-1")
    assert disclosure["merchant_id"] == "m-1" and disclosure["total"] == 1
    [summary] = disclosure["summaries"]
    assert summary["complaint_id"] == complaint_id and "13912345678" not in summary["summary"]
    assert "summaries" not in app.disclosure.public("m-1", with_summaries=False)


def test_a_regulators_statistics_of_its_region(app):
    complaint_id = file(app)["complaint_id"]
    app.handling.respond(MERCHANT, complaint_id, answer())
    app.handling.decide(CONSUMER, complaint_id, True, "")
    figures = app.disclosure.statistics("3501", "3501", {"from_": "2026-11-01"})
    assert figures["region"] == "3501" and figures["from"] == "2026-11-01"
    assert figures == {**figures, "total": 1, "money_recovered_fen": 4800}


def test_a_filing_in_progress_is_waited_for_then_503(app, monkeypatch):
    waits = []
    app.filing.sleep = waits.append
    monkeypatch.setattr(app.store, "claim_filing", lambda *args: "in_progress")
    ticks = iter(range(100))
    monkeypatch.setattr("services.complaints.filing.time.monotonic", lambda: next(ticks) * 0.5)
    assert refusal(lambda: file(app)) == "UNAVAILABLE"
    assert waits and set(waits) == {0.1}
    assert app.store.complaints == {}
