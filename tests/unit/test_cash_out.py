"""The cash-out signals (services/coupons/cash_out.py): each share against its threshold, a
hold only at signals_to_hold of them, nothing judged below min_redemptions."""
import pytest

from contracts.schemas.coupons import CASH_OUT_SIGNALS
from services.coupons import cash_out
from services.coupons.cash_out import Thresholds

RULES = Thresholds()
CLAIMED = {"claimed_at": "2026-10-01T08:00:00.000000Z", "min_spend_fen": 5000}


@pytest.mark.parametrize("order, at, near, soon", [
    (5000, "2026-10-01T08:04:59.000000Z", True, True),
    (5250, "2026-10-01T08:05:00.000000Z", True, True),
    (5251, "2026-10-01T08:05:01.000000Z", False, False),
])
def test_a_redemption_is_marked_as_it_is_made(order, at, near, soon):
    assert cash_out.marks(CLAIMED, order, at, RULES) == {"near_min_spend": near,
                                                         "soon_after_claim": soon}


def test_no_minimum_spend_means_no_order_is_just_above_it():
    assert not cash_out.marks({**CLAIMED, "min_spend_fen": 0}, 1, CLAIMED["claimed_at"],
                              RULES)["near_min_spend"]


def test_a_repeat_share_counts_the_redemptions_of_consumers_who_came_back_often():
    assert cash_out.repeat_share([4, 3, 2, 1], RULES) == 0.7
    assert cash_out.repeat_share([], RULES) == 0.0


def fired(found):
    return {s["code"] for s in found if s["fired"]}


def test_the_scripted_pattern_shows_three_signals_and_is_held():
    row = {"redemptions": 12, "near_min_spend": 12, "soon_after_claim": 12}
    found = cash_out.signals(row, 1.0, 24, 2, RULES)
    assert fired(found) == {"clustered_amounts", "repeat_pairs", "soon_after_claim"}
    assert cash_out.to_hold(found, RULES)


def test_an_honest_merchant_of_the_same_size_shows_at_most_one_and_is_not_held():
    row = {"redemptions": 12, "near_min_spend": 1, "soon_after_claim": 12}
    found = cash_out.signals(row, 0.0, 24, 2, RULES)
    assert fired(found) == {"soon_after_claim"} and not cash_out.to_hold(found, RULES)
    assert cash_out.could_hold(found, RULES), "its pairs are worth reading"
    quiet = cash_out.signals({**row, "soon_after_claim": 0}, 0.0, 24, 2, RULES)
    assert not cash_out.could_hold(quiet, RULES)


def test_a_share_far_above_an_even_share_of_the_merchants_fires():
    row = {"redemptions": 60}
    [share] = [s for s in cash_out.signals(row, 0, 100, 10, RULES)
               if s["code"] == "outsized_share"]
    assert (share["value"], share["fired"]) == (6.0, True)


def test_a_handful_of_redemptions_is_not_judged():
    assert cash_out.signals({"redemptions": 9, "near_min_spend": 9}, 1.0, 9, 1, RULES) is None
    assert not cash_out.to_hold(None, RULES)


def test_each_signal_is_explained_in_words():
    row = {"redemptions": 10, "near_min_spend": 9, "soon_after_claim": 2}
    words = {s["code"]: s["explanation"]
             for s in cash_out.explained(cash_out.signals(row, 0.25, 40, 4, RULES))}
    assert words["clustered_amounts"].startswith("90% of its redemptions are orders just above")
    assert "25%" in words["repeat_pairs"] and "(the threshold is 30%)" in words["repeat_pairs"]
    assert words["outsized_share"].startswith("its share of the campaign is 1.0 times")


def test_every_signal_the_contracts_name_is_measured_and_explained():
    row = {"redemptions": 10}
    assert {s["code"] for s in cash_out.signals(row, 0, 10, 1, RULES)} == set(CASH_OUT_SIGNALS)
    assert set(cash_out.EXPLANATIONS) == set(CASH_OUT_SIGNALS)
