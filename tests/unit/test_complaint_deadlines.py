"""Every open state of a complaint ends by itself when its deadline passes, and the deadlines
count working days on the official calendar: real edges of 2026 (the National Day holiday,
the moved working Saturday after it) and a year the calendar does not cover yet (2027)."""
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from plumbing.actors import Actor
from plumbing.clock import CHINA_STANDARD_TIME, FixedClock, to_rfc3339
from plumbing.config import forget_settings
from services.complaints import deadlines, listing, working_days
from services.complaints import lifecycle as lc
from services.complaints.calendar_watch import coverage_warning
from services.complaints.events import envelopes
from services.complaints.settings import load_settings, rules_of
from tests.unit.calendar_releases import cover_2027
from tests.unit.test_complaint_lifecycle import (
    CONSUMER,
    FILING,
    MERCHANT,
    SETTINGS,
    STANDING,
    after,
)

WORKING_DAY_SETTINGS = replace(SETTINGS, deadline_rules=rules_of({}))
REFUND = {"proposal": "refund", "message": "退款", "amount_fen": 3000}


def china(year, month, day, hour=10):
    return to_rfc3339(datetime(year, month, day, hour, tzinfo=CHINA_STANDARD_TIME))


def end_of_china_day(day):
    """24:00 China Standard Time of ``day``, in UTC as the complaint stores it."""
    return to_rfc3339(datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                       CHINA_STANDARD_TIME))


def later(moment, seconds):
    return to_rfc3339(datetime.fromisoformat(moment.replace("Z", "+00:00"))
                      + timedelta(seconds=seconds))


def filed_at(moment, settings=WORKING_DAY_SETTINGS, flagged=False, region="350102"):
    complaint, _ = lc.new_complaint("c-1", "carol", FILING, {**STANDING, "region": region},
                                    moment, settings, flagged)
    return complaint


def responded_at(complaint, moment, settings=WORKING_DAY_SETTINGS, response=REFUND):
    return after(complaint, lc.respond(complaint, MERCHANT, response, moment, settings))


def ended(complaint, moment, settings=WORKING_DAY_SETTINGS):
    change = lc.end_if_overdue(complaint, moment, settings)
    assert change is not None, "the deadline had passed: the state should have ended"
    return after(complaint, change), change.events


# --- working days on real calendar edges ------------------------------------------------------

def test_filed_the_day_before_national_day_the_merchant_answers_by_15_october():
    complaint = filed_at(china(2026, 9, 30))
    # 1–7 October off, Thursday 8 and Friday 9 worked, Saturday 10 worked (调休): the 7th
    # working day after 30 September is Thursday 15 October
    assert complaint["deadline_at"] == end_of_china_day(date(2026, 10, 15))
    record = complaint["deadlines"]["response"]
    assert record["unit"] == "working_days" and record["count"] == 7
    assert record["rule"].startswith("7 个工作日")
    entry = complaint["timeline"][-1]
    assert entry["event"] == "forwarded" and entry["deadline"] == record
    assert entry.get("note") is None  # the deadline is the step's record, not its words


def test_filed_on_the_moved_working_saturday_the_count_starts_the_next_working_day():
    complaint = filed_at(china(2026, 10, 10))
    # Sunday 11 is off: 12, 13, 14, 15, 16, 19, 20 October
    assert complaint["deadline_at"] == end_of_china_day(date(2026, 10, 20))


def test_the_day_of_receipt_is_the_day_in_china_not_in_utc():
    # 20:00 UTC on Friday 9 October is 04:00 on the worked Saturday 10 October in China
    complaint = filed_at("2026-10-09T20:00:00.000000Z")
    assert complaint["deadline_at"] == end_of_china_day(date(2026, 10, 20))


def test_mediation_ends_45_working_days_after_the_acceptance():
    complaint = responded_at(filed_at(china(2026, 9, 30)), china(2026, 10, 9))
    mediation = after(complaint, lc.decide(complaint, CONSUMER, False, "不接受",
                                           china(2026, 10, 12), WORKING_DAY_SETTINGS))
    expected = chinese_calendar.find_workday(45, date(2026, 9, 30))
    assert mediation["mediation_deadline_at"] == end_of_china_day(expected)
    assert mediation["deadlines"]["mediation"]["from"] == complaint["forwarded_at"]


def test_the_consumer_answers_within_7_working_days_of_the_proposal():
    complaint = responded_at(filed_at(china(2026, 9, 29)), china(2026, 9, 30, 15))
    assert complaint["decision_deadline_at"] == end_of_china_day(date(2026, 10, 15))
    assert complaint["timeline"][-1]["deadline"]["kind"] == "decision"


# --- every open state ends by itself ------------------------------------------------------------

def test_a_flagged_complaint_goes_up_a_level_then_up_again_then_is_accepted():
    complaint = filed_at(china(2026, 11, 2), flagged=True)
    assert complaint["screening_deadline_at"] == end_of_china_day(date(2026, 11, 11))
    assert complaint["screening_region"] == "350102"
    assert lc.end_if_overdue(complaint, complaint["screening_deadline_at"],
                             WORKING_DAY_SETTINGS) is None  # due at, not yet past
    city, events = ended(complaint, later(complaint["screening_deadline_at"], 1))
    assert city["status"] == "flagged" and city["screening_region"] == "350100"
    assert [kind for kind, _ in events] == ["complaint_screening_escalated"]
    assert events[0][1]["to_region"] == "350100"
    assert [e["event"] for e in city["timeline"]][-2:] == ["deadline_passed",
                                                           "screening_escalated"]
    assert city["screening_deadline_at"] > complaint["screening_deadline_at"]
    province, _ = ended(city, later(city["screening_deadline_at"], 1))
    assert province["screening_region"] == "350000"
    accepted, events = ended(province, later(province["screening_deadline_at"], 1))
    assert accepted["status"] == "forwarded" and accepted["deadline_at"] is not None
    assert [kind for kind, _ in events] == ["complaint_forwarded"]
    assert events[0][1]["screening_lapsed"] is True


@pytest.mark.parametrize("response, closing, recovered", [
    (REFUND, "accepted_by_default", 3000),
    ({"proposal": "apology", "message": "抱歉", "amount_fen": None}, "accepted_by_default", 0),
    ({"proposal": "dispute", "message": "不认可", "amount_fen": None}, "unresolved", 0),
])
def test_a_proposal_left_unanswered_is_accepted_by_default(response, closing, recovered):
    complaint = responded_at(filed_at(china(2026, 11, 2)), china(2026, 11, 3), response=response)
    assert lc.end_if_overdue(complaint, china(2026, 11, 12, 12), WORKING_DAY_SETTINGS) is None
    closed, events = ended(complaint, later(complaint["decision_deadline_at"], 1))
    assert (closed["status"], closed["closing"]) == ("closed", closing)
    assert closed["amount_recovered_fen"] == recovered
    [(kind, data)] = events
    assert kind == "complaint_closed" and data["by_deadline"] is True
    assert data["closing"] == closing and data["amount_recovered_fen"] == recovered
    assert [e["by"] for e in closed["timeline"]][-2:] == ["system", "system"]


def test_mediation_past_its_deadline_ends_without_agreement():
    complaint = responded_at(filed_at(china(2026, 9, 1)), china(2026, 9, 2))
    mediation = after(complaint, lc.decide(complaint, CONSUMER, False, "不接受",
                                           china(2026, 9, 3), WORKING_DAY_SETTINGS))
    closed, events = ended(mediation, later(mediation["mediation_deadline_at"], 1))
    assert closed["closing"] == "mediation_ended"
    assert events[0][1]["by_deadline"] is True and events[0][1]["closing"] == "mediation_ended"


def test_closing_by_hand_is_not_by_deadline():
    complaint = responded_at(filed_at(china(2026, 11, 2)), china(2026, 11, 3))
    change = lc.decide(complaint, CONSUMER, True, "", china(2026, 11, 4), WORKING_DAY_SETTINGS)
    assert change.events[0][1]["by_deadline"] is False


@pytest.mark.parametrize("status", ["flagged", "forwarded", "responded", "mediation"])
def test_every_open_state_is_listed_for_the_scan_by_its_own_deadline(status):
    complaint = {"_id": "c-1", "filed_at": "t", "merchant_id": "m", "consumer": "c",
                 "region": "350102", "public_consent": False, "status": status,
                 "deadline_at": None, deadlines.DUE_FIELD[deadlines.KIND_OF_STATE[status]]:
                 "2026-11-11T16:00:00.000000Z"}
    assert listing.keys_of(complaint)["k_due"] == "k_due|2026-11-11T16:00:00.000000Z|c-1"


def test_a_closed_complaint_is_not_listed_for_the_scan():
    complaint = {"_id": "c-1", "filed_at": "t", "merchant_id": "m", "consumer": "c",
                 "region": "350102", "public_consent": False, "status": "closed",
                 "deadline_at": "2026-11-11T16:00:00.000000Z"}
    assert listing.keys_of(complaint)["k_due"] is None


# --- a year the calendar does not cover: pending, never guessed -----------------------------------

def test_a_deadline_into_an_uncovered_year_is_pending_and_ends_nothing():
    complaint = filed_at(china(2026, 12, 28))
    assert complaint["deadline_at"] is None
    record = complaint["deadlines"]["response"]
    assert record["pending_year"] == 2027 and record["due_at"] is None
    assert complaint["timeline"][-1]["deadline"]["pending_year"] == 2027
    assert lc.end_if_overdue(complaint, china(2027, 6, 1), WORKING_DAY_SETTINGS) is None
    assert lc.remind_if_due(complaint, china(2027, 1, 5), WORKING_DAY_SETTINGS) is None
    keys = listing.keys_of(complaint)
    assert keys["k_due"] is None and keys["k_remind"] is None
    assert keys["k_pending"] == "k_pending|2027|c-1"


def test_a_pending_deadline_is_computed_once_its_year_is_covered(monkeypatch):
    complaint = filed_at(china(2026, 12, 28))
    assert lc.schedule_pending(complaint, china(2027, 1, 2), WORKING_DAY_SETTINGS) is None
    cover_2027(monkeypatch)
    change = lc.schedule_pending(complaint, china(2027, 1, 2), WORKING_DAY_SETTINGS)
    computed = after(complaint, change)
    # 29, 30, 31 December, then 4, 5, 6, 7 January (1 January off)
    assert computed["deadline_at"] == end_of_china_day(date(2027, 1, 7))
    assert computed["deadlines"]["response"]["from"] == complaint["forwarded_at"]
    assert computed["timeline"][-1]["event"] == "deadline_computed"
    assert listing.keys_of(computed)["k_pending"] is None


def test_the_v1_of_a_fact_with_a_pending_deadline_is_not_made():
    complaint, events = lc.new_complaint("c-1", "carol", FILING, STANDING, china(2026, 12, 28),
                                         WORKING_DAY_SETTINGS, False)
    made = envelopes(events, FixedClock(datetime(2026, 12, 28, tzinfo=UTC)))
    versions = [(e["type"], e["version"]) for e in made]
    assert ("complaint_forwarded", 2) in versions and ("complaint_forwarded", 1) not in versions
    on_time = filed_at(china(2026, 11, 2))
    assert on_time["deadline_at"] is not None


def test_a_regulator_screening_is_unchanged_by_the_deadline():
    regulator = Actor(sub="reg", role="regulator", region="350100", level="city")
    complaint = filed_at(china(2026, 11, 2), flagged=True)
    change = lc.screen(complaint, regulator, "accept", "", china(2026, 11, 3),
                       WORKING_DAY_SETTINGS)
    assert change.fields["status"] == "forwarded"
    assert change.fields["deadline_at"] == end_of_china_day(date(2026, 11, 12))


# --- the calendar's coverage, checked at start ---------------------------------------------------

def test_a_calendar_ending_within_90_days_is_warned_of_at_start():
    warning = coverage_warning(date(2026, 12, 3))
    assert "2026-12-31" in warning and "in 28 days" in warning and "2027" in warning
    assert coverage_warning(date(2026, 9, 1)) is None
    assert working_days.days_left(date(2027, 1, 2)) == -2


def test_the_deployed_configuration_counts_every_deadline_in_working_days(monkeypatch):
    for kind in deadlines.KINDS:  # the suite's end-to-end environment sets some
        monkeypatch.delenv(f"COMPLAINT_{kind.upper()}_SLA_SECONDS", raising=False)
    deployed = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "config.env"
    for line in deployed.read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition("=")
        if name.startswith("COMPLAINT_"):
            monkeypatch.setenv(name, value)
    forget_settings()
    rules = {rule.kind: (rule.count, rule.unit) for rule in load_settings().deadline_rules}
    assert rules == {"screening": (7, "working_days"), "response": (7, "working_days"),
                     "decision": (7, "working_days"), "mediation": (45, "working_days")}
