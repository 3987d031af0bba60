"""The yearly re-evaluation (后评价, services/registry/re_evaluation.py): a year after the
certification, then after each re-evaluation, the trust grade keeps, upgrades, sends to rectify
or removes the unit, and its stars become the grade's, a regulator's override included."""
from datetime import UTC, datetime, timedelta

import pytest

from plumbing.clock import to_rfc3339
from services.registry import listing, re_evaluation

YEAR = 365 * 86400
CERTIFIED = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
DUE = to_rfc3339(CERTIFIED + timedelta(seconds=YEAR))


def unit(stars=0, **fields):
    return {"_id": "m-1", "status": "certified", "region": "330106", "industry": "catering",
            "name": "湖滨小吃店", "unit_type": "store", "stars": stars,
            "certified_at": to_rfc3339(CERTIFIED),
            "rating": {"count": 0, "total": 0}, "black_listed": False, "scan_count": 0,
            "licences": [{"kind": "business_licence", "valid_until": "2030-01-01"}],
            "history": [], "created_at": to_rfc3339(CERTIFIED), "version": 4, **fields}


def with_evidence(merchant, **counts):
    now = CERTIFIED + timedelta(days=300)
    evidence = {name: {"value": n, "as_of": to_rfc3339(now)} for name, n in counts.items()}
    return {**merchant, "trust": {"evidence": evidence, "scans_counted": 0}}


def reviewed(merchant, now=DUE):
    change = re_evaluation.re_evaluate(merchant, now, YEAR)
    assert change is not None
    return {**merchant, **change.fields}, change.events


def test_nothing_is_due_before_a_year_has_passed():
    early = to_rfc3339(CERTIFIED + timedelta(seconds=YEAR - 1))
    assert re_evaluation.re_evaluate(unit(), early, YEAR) is None
    assert re_evaluation.re_evaluate(unit(status="pending_final"), DUE, YEAR) is None


def test_a_unit_in_cultivation_with_a_good_grade_is_upgraded_to_its_grades_stars():
    merchant, events = reviewed(unit())
    assert (merchant["stars"], merchant["pool"], merchant["status"]) == (5, "star", "certified")
    assert merchant["reviewed_at"] == DUE
    [(kind, data)] = [e for e in events if e[0] == "merchant_re_evaluated"]
    assert data == {"merchant_id": "m-1", "region": "330106", "outcome": "upgraded",
                    "score": 95.0, "stars": 5, "previous_stars": 0}
    # the next one a year after this one
    assert listing.keys_of(merchant)["k_review"] == f"k_review|{DUE}|m-1"
    assert re_evaluation.re_evaluate(merchant, to_rfc3339(CERTIFIED + timedelta(
        seconds=2 * YEAR - 1)), YEAR) is None


def test_a_unit_with_the_same_stars_is_kept():
    merchant, events = reviewed(unit(stars=5))
    assert events[-1][1]["outcome"] == "kept" and merchant["stars"] == 5


def test_complaints_and_a_failed_check_send_it_to_rectify_in_the_warning_library():
    failing = with_evidence(unit(stars=4), complaints=5, answered_late=3, spot_checks_failed=1)
    merchant, events = reviewed(failing)
    assert (merchant["status"], merchant["pool"]) == ("warned", "warning")
    assert merchant["stars"] <= 2
    kinds = [kind for kind, _ in events]
    assert "merchant_status_changed" in kinds
    assert next(d for k, d in events if k == "merchant_re_evaluated")["outcome"] == "rectify"


def test_an_expired_licence_removes_the_unit():
    expired = unit(stars=3, licences=[{"kind": "business_licence", "valid_until": "2026-06-01"}])
    merchant, events = reviewed(expired)
    assert (merchant["status"], merchant["stars"]) == ("delisted", 0)
    assert next(d for k, d in events if k == "merchant_re_evaluated")["outcome"] == "removed"


def test_a_regulators_override_lasts_until_the_re_evaluation():
    override = {"stars": 2, "reason": "现场检查发现问题", "by": "reg-city", "at": DUE}
    merchant, _ = reviewed(unit(stars=2, stars_override=override))
    assert merchant["stars_override"] is None and merchant["stars"] == 5


@pytest.mark.parametrize("stars, before, outcome", [
    (5, 4, "upgraded"), (4, 4, "kept"), (3, 5, "kept"), (2, 5, "rectify"), (1, 0, "rectify")])
def test_the_outcome_of_a_grade(stars, before, outcome):
    assert re_evaluation.outcome_of({"stars": stars, "vetoes": []}, before) == outcome
    assert re_evaluation.outcome_of({"stars": stars, "vetoes": ["black_listed"]},
                                    before) == "removed"


