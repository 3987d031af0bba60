"""The trust grade kept as events arrive (services/registry/grading.py): the evidence each event
adds, the merchant's trust with it and its grade recomputed, and the events a change of the
grade causes."""
from datetime import UTC, datetime, timedelta

import pytest

from contracts import closings
from plumbing.clock import to_rfc3339
from services.registry import grading

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
LICENCES = [{"kind": "business_licence", "valid_until": "2028-01-01"}]


def merchant(status="certified", **fields):
    return {"_id": "m-1", "status": status, "rating": {"count": 0, "total": 0},
            "black_listed": False, "licences": LICENCES, "scan_count": 0, "version": 3,
            **fields}


def regraded(unit, added=None, at=NOW, now=NOW):
    """The unit with the change applied, and the change's events."""
    change = grading.regraded(unit, added or {}, at, now)
    assert change is not None
    return {**unit, **change.fields}, change.events


def points(unit):
    return {f["name"]: f["points"] for f in unit["trust"]["grade"]["factors"]}


def test_a_newly_certified_unit_is_graded_95_and_five_stars_announced():
    unit, events = regraded(merchant())
    grade = unit["trust"]["grade"]
    assert (grade["score"], grade["stars"]) == (95.0, 5)
    assert unit["trust"]["inputs"] == {"rating": {"count": 0, "total": 0}, "black_listed": False,
                                       "licence_days_left": 394,
                                       "last_failed_spot_check_at": None}
    assert events == [
        ("merchant_updated", {"merchant_id": "m-1", "changes": {"trust_score": 95.0}}),
        ("merchant_grade_changed", {"merchant_id": "m-1", "score": 95.0, "stars": 5,
                                    "previous_stars": None})]


@pytest.mark.parametrize("evidence_of, data, added", [
    (grading.forwarded_evidence, {}, {"complaints": 1}),
    (grading.responded_evidence, {"timely": True}, {"answered_in_time": 1}),
    (grading.responded_evidence, {"timely": False}, {"answered_late": 1}),
    (grading.escalated_evidence, {"reason": "deadline_missed"}, {"answered_late": 1}),
    (grading.escalated_evidence, {"reason": "consumer_rejected"}, {}),
    (grading.closed_evidence, {"closing": "resolved_monetary"}, {"judged": 1, "resolved": 1}),
    (grading.closed_evidence, {"closing": "accepted_by_default"}, {"judged": 1, "resolved": 1}),
    (grading.closed_evidence, {"closing": "unresolved"}, {"judged": 1}),
    (grading.closed_evidence, {"closing": "mediation_ended"}, {"judged": 1}),
    (grading.closed_evidence, {"closing": "withdrawn"}, {}),
    (grading.closed_evidence, {"closing": "rejected"}, {}),
    (grading.spot_check_evidence, {"result": "pass"}, {"spot_checks_passed": 1}),
    (grading.spot_check_evidence, {"result": "warn"}, {"spot_checks_failed": 1}),
    (grading.spot_check_evidence, {"result": "fail"}, {"spot_checks_failed": 1}),
    (grading.warning_evidence, {}, {"warnings": 1}),
    (grading.no_evidence, {"score": 5}, {}),
])
def test_each_event_adds_its_evidence(evidence_of, data, added):
    assert evidence_of(data) == added


def test_every_closing_counts_as_the_closings_say():
    for closing in closings.CLOSINGS:
        counted = grading.closed_evidence({"closing": closing.code})
        assert ("judged" in counted, "resolved" in counted) == (closing.judged, closing.resolved)


def test_complaints_and_a_late_answer_lower_the_grade_and_the_stars_change_is_announced():
    unit, _ = regraded(merchant())
    for added in ({"complaints": 1}, {"complaints": 1}, {"answered_in_time": 1}):
        unit, events = regraded(unit, added)
    unit, events = regraded(unit, {"answered_late": 1})
    # 2 complaints over the floor of 100 units of activity: 30 · (1 − 2/5); half answered late
    assert points(unit)["complaint_volume"] == 18.0 and points(unit)["answered_in_time"] == 7.5
    assert unit["trust"]["grade"]["score"] == 75.5
    assert events[-1] == ("merchant_grade_changed", {"merchant_id": "m-1", "score": 75.5,
                                                     "stars": 3, "previous_stars": 4})
    assert unit["trust"]["evidence"]["complaints"] == {"value": 2.0, "as_of": to_rfc3339(NOW)}


def test_a_score_change_within_the_same_stars_is_announced_without_a_grade_change():
    unit, _ = regraded(merchant())
    unit, events = regraded(unit, {"judged": 1, "resolved": 1})
    assert events == []  # 15 of 15 resolved: nothing the grade shows changed
    unit, events = regraded({**unit, "rating": {"count": 1, "total": 4}})
    # 15 · (4 − 1)/4 = 11.25 for satisfaction: 96.2, five stars still
    assert events == [("merchant_updated", {"merchant_id": "m-1",
                                            "changes": {"trust_score": 96.2}})]


def test_the_scans_since_the_last_count_are_activity_counted_once():
    unit, _ = regraded(merchant(scan_count=300), {"complaints": 3})
    assert unit["trust"]["scans_counted"] == 300
    # 3 complaints per 300 scans: 1 per 100 → 24 points
    assert points(unit)["complaint_volume"] == 24.0
    assert grading.regraded(unit, {}, NOW, NOW) is None  # nothing new: no write
    unit, _ = regraded({**unit, "scan_count": 600})
    assert unit["trust"]["evidence"]["scans"]["value"] == 600.0


def test_the_redemptions_since_the_last_count_are_activity_counted_once():
    unit, _ = regraded(merchant(scan_count=100, redemption_count=40), {"complaints": 3})
    trust = unit["trust"]
    assert (trust["scans_counted"], trust["redemptions_counted"]) == (100, 40)
    # 3 complaints per 100 + 5 · 40 = 300 of activity: 1 per 100 → 24 points
    assert points(unit)["complaint_volume"] == 24.0
    assert grading.regraded(unit, {}, NOW, NOW) is None
    unit, _ = regraded({**unit, "redemption_count": 50})
    assert unit["trust"]["evidence"]["redemptions"]["value"] == 50.0


def test_a_graded_unit_is_due_a_regrade_a_period_after_its_last_grade():
    assert grading.next_regrade_at(merchant(certified_at=to_rfc3339(NOW))) == to_rfc3339(
        NOW + grading.REGRADE_EVERY)  # certified, not graded yet
    unit, _ = regraded(merchant(), now=NOW + timedelta(days=2))
    assert grading.next_regrade_at(unit) == to_rfc3339(NOW + timedelta(days=2) +
                                                       grading.REGRADE_EVERY)
    assert grading.next_regrade_at({**unit, "status": "suspended"}) is None


def test_the_periodic_regrade_writes_even_when_the_grade_shows_the_same():
    unit, _ = regraded(merchant(licences=[]))  # no licence whose days left would change
    later = NOW + timedelta(days=8)
    assert grading.regraded(unit, {}, later, later) is None
    change = grading.refreshed(unit, later)
    assert change.events == []
    assert change.fields["trust"]["grade"]["computed_at"] == later.isoformat()


def test_a_failed_spot_check_caps_the_stars_for_a_year_from_when_it_happened():
    checked_at = NOW - timedelta(hours=1)
    unit, _ = regraded(merchant(status="warned"), {"spot_checks_failed": 1}, at=checked_at)
    grade = unit["trust"]["grade"]
    assert (grade["score"], grade["stars"], grade["vetoes"]) == (80.0, 2, ["failed_spot_check"])
    assert unit["trust"]["inputs"]["last_failed_spot_check_at"] == to_rfc3339(checked_at)
    later, _ = regraded(unit, {"spot_checks_passed": 1}, now=NOW + timedelta(days=30))
    assert later["trust"]["inputs"]["last_failed_spot_check_at"] == to_rfc3339(checked_at)
    assert later["trust"]["grade"]["stars"] == 2
    a_year_on, _ = regraded(later, {"spot_checks_passed": 1}, now=NOW + timedelta(days=366))
    assert a_year_on["trust"]["grade"]["vetoes"] == []


def test_an_older_failure_does_not_move_the_last_failure_back():
    unit, _ = regraded(merchant(), {"spot_checks_failed": 1})
    older, _ = regraded(unit, {"spot_checks_failed": 1}, at=NOW - timedelta(days=3))
    assert older["trust"]["inputs"]["last_failed_spot_check_at"] == to_rfc3339(NOW)


def test_the_standing_is_read_from_the_merchant_as_it_is():
    unit, _ = regraded(merchant(rating={"count": 2, "total": 10}, black_listed=True))
    grade = unit["trust"]["grade"]
    assert points(unit)["satisfaction"] == 15.0
    assert (grade["stars"], grade["vetoes"]) == (1, ["black_listed"])
    assert unit["trust"]["inputs"]["rating"] == {"count": 2, "total": 10}


@pytest.mark.parametrize("status", ["pending_onsite", "suspended", "delisted", "rejected"])
def test_only_certified_and_warned_units_have_a_grade_though_evidence_is_kept(status):
    unit, events = regraded(merchant(status=status), {"complaints": 1})
    assert unit["trust"]["grade"] is None and events == []
    assert unit["trust"]["evidence"]["complaints"]["value"] == 1.0


def test_a_unit_losing_its_grade_drops_its_pages_without_a_grade_change():
    unit, _ = regraded(merchant())
    _, events = regraded({**unit, "status": "delisted"})
    assert events == [("merchant_updated", {"merchant_id": "m-1",
                                            "changes": {"trust_score": None}})]


def test_an_event_delivered_again_counts_once():
    unit, _ = regraded(merchant())
    once = {**unit, **grading.regraded(unit, {"complaints": 1}, NOW, NOW, "e-1").fields}
    assert grading.regraded(once, {"complaints": 1}, NOW, NOW, "e-1") is None
    assert once["trust"]["evidence"]["complaints"]["value"] == 1.0
    for n in range(grading.COUNTED_KEPT + 5):
        once = {**once, **grading.regraded(once, {"complaints": 1}, NOW, NOW, f"x-{n}").fields}
    assert len(once["trust"]["counted"]) == grading.COUNTED_KEPT
