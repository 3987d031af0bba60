"""The trust grade moves with complaints and spot checks as the formula says (README "The trust
grade"): points per factor, older events weighing half as much every 180 days, veto items
capping the stars."""
from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry import trust_grade as tg

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
GOOD = {"rating": {"count": 0, "total": 0}, "licence_days_left": 400}


def evidence(**counts):
    """Decayed sums of ``counts`` events, all at NOW."""
    return {name: tg.Decayed().plus(n, NOW) for name, n in counts.items()}


def points(grade):
    return {f["name"]: f["points"] for f in grade["factors"]}


def test_a_unit_with_nothing_against_it_scores_95_and_five_stars():
    grade = tg.grade({}, GOOD, NOW)
    # 30 + 15 + 15 + 15·(3.67 − 1)/4 (no ratings) + 15 + 10
    assert grade["score"] == 95.0 and grade["stars"] == 5
    assert points(grade)["satisfaction"] == 10.0
    assert grade["to_raise"][0]["factor"] == "satisfaction"


def test_complaints_lower_the_volume_points_in_proportion_to_activity():
    grade = tg.grade(evidence(complaints=3, scans=100), GOOD, NOW)
    # 3 complaints per 100 scans: 30 · (1 − 3/5) = 12 points of 30
    assert points(grade)["complaint_volume"] == 12.0
    assert (grade["score"], grade["stars"]) == (77.0, 3)
    busier = tg.grade(evidence(complaints=3, scans=100, redemptions=40), GOOD, NOW)
    # 100 + 5·40 = 300 units of activity: 1 complaint per 100 → 24 points
    assert points(busier)["complaint_volume"] == 24.0


def test_complaints_answered_late_and_unresolved_cost_their_shares():
    grade = tg.grade(evidence(complaints=2, scans=1000, answered_in_time=1, answered_late=1,
                              resolved=1, judged=2), GOOD, NOW)
    assert points(grade)["answered_in_time"] == 7.5 and points(grade)["resolved"] == 7.5


def test_older_complaints_weigh_half_as_much_after_the_half_life():
    old = evidence(complaints=4, scans=200)
    now = tg.grade(old, GOOD, NOW)
    later = tg.grade(old, GOOD, NOW + timedelta(days=tg.HALF_LIFE_DAYS))
    # 2 per 100 → 18 points; after 180 days 2 complaints over max(100, 100) → 18 points too:
    # the activity decays with them, and the floor of 100 holds it
    assert points(now)["complaint_volume"] == 18.0
    assert points(later)["complaint_volume"] == 18.0
    quiet = tg.grade(evidence(complaints=2), GOOD, NOW + timedelta(days=2 * tg.HALF_LIFE_DAYS))
    # 2 complaints two half-lives ago count as 0.5: 30 · (1 − 0.5/5) = 27
    assert points(quiet)["complaint_volume"] == 27.0


def test_a_failed_spot_check_costs_its_points_and_caps_the_stars_for_a_year():
    failed_at = NOW - timedelta(days=10)
    standing = {**GOOD, "last_failed_spot_check_at": failed_at}
    grade = tg.grade(evidence(spot_checks_failed=1), standing, NOW)
    assert points(grade)["spot_checks"] == 0.0
    assert grade["score"] == 80.0 and grade["stars"] == 2
    assert grade["vetoes"] == ["failed_spot_check"]
    passed_since = {**evidence(spot_checks_failed=1), "spot_checks_passed":
                    tg.Decayed().plus(3, NOW)}
    a_year_on = NOW + timedelta(days=356)
    later = tg.grade(passed_since, standing, a_year_on)
    assert later["vetoes"] == [] and later["stars"] >= 4


@pytest.mark.parametrize("standing, stars, veto", [
    ({**GOOD, "black_listed": True}, 1, "black_listed"),
    ({**GOOD, "licence_days_left": -1}, 1, "licence_expired"),
])
def test_veto_items_cap_the_stars_whatever_the_score(standing, stars, veto):
    grade = tg.grade({}, standing, NOW)
    assert grade["stars"] == stars and veto in grade["vetoes"]


def test_a_licence_about_to_expire_costs_half_its_points():
    grade = tg.grade({}, {**GOOD, "licence_days_left": 20}, NOW)
    assert points(grade)["licence"] == 5
    assert tg.licence_days_left([{"valid_until": "2026-12-23"}, {"valid_until": "2027-05-01"}],
                                date(2026, 12, 3)) == 20


def test_each_warning_takes_ten_points():
    assert tg.grade(evidence(warnings=1), GOOD, NOW)["score"] == 85.0


def test_ratings_replace_the_neutral_satisfaction():
    rated = tg.grade({}, {**GOOD, "rating": {"count": 2, "total": 10}}, NOW)
    assert points(rated)["satisfaction"] == 15.0 and rated["score"] == 100.0
    assert rated["to_raise"] == []


def test_the_ways_to_raise_it_are_the_largest_missing_points_first():
    grade = tg.grade(evidence(complaints=5, scans=100, answered_late=1), GOOD, NOW)
    assert [r["factor"] for r in grade["to_raise"]] == [
        "complaint_volume", "answered_in_time", "satisfaction"]
    assert all(r["zh-CN"] and r["en"] for r in grade["to_raise"])


def test_a_decayed_sum_takes_late_events_at_their_own_age():
    total = tg.Decayed().plus(1, NOW).plus(1, NOW - timedelta(days=tg.HALF_LIFE_DAYS))
    assert total.at(NOW) == pytest.approx(1.5)
    assert total.at(NOW + timedelta(days=tg.HALF_LIFE_DAYS)) == pytest.approx(0.75)
    assert tg.Decayed().at(NOW) == 0.0


def test_what_is_taken_off_a_decayed_sum_leaves_it_no_lower_than_zero():
    half = tg.Decayed().plus(1, NOW - timedelta(days=tg.HALF_LIFE_DAYS))
    assert half.plus(-0.25, NOW).at(NOW) == pytest.approx(0.25)
    assert half.plus(-1, NOW).at(NOW) == 0.0  # an undone redemption weighed less by now


@pytest.mark.parametrize("score, stars", [(100, 5), (90, 5), (89.9, 4), (80, 4), (70, 3),
                                          (60, 2), (59.9, 1), (0, 1)])
def test_stars_from_the_score(score, stars):
    assert tg.stars_of(score) == stars
