"""The daily settlement's days (services/coupons/settlement.py): when a day is final, which
days a hold keeps unpaid, and how a release pays them with its own day, so that a final day's
settlement never changes."""
from types import SimpleNamespace

from services.coupons import settlement
from services.coupons.figures import Figures

ROLLBACK = 3600  # 2026-10-0N ends at 16:00 UTC the day before; final an hour later, 17:00


def hold(held_at, released_at=None, **fields):
    return {"merchant_id": "m-1", "merchant_name": "甲", "held_at": held_at,
            "released_at": released_at, **fields}


def test_a_day_s_settlement_is_final_once_its_last_redemption_can_no_longer_be_rolled_back():
    assert not settlement.day_final("2026-10-01", "2026-10-01T16:59:59.000000Z", ROLLBACK)
    assert settlement.day_final("2026-10-01", "2026-10-01T17:00:00.000000Z", ROLLBACK)


def test_a_hold_touches_the_days_not_final_when_it_came_and_a_release_the_days_after_it():
    # held on 10-02 at 12:00 CST (04:00 UTC): 10-01 was final (paid) already
    held = hold("2026-10-02T04:00:00.000000Z")
    late = "2026-10-09T00:00:00.000000Z"
    assert not settlement.held_on(held, "2026-10-01", late, ROLLBACK)
    assert settlement.held_on(held, "2026-10-02", late, ROLLBACK)
    assert settlement.held_on(held, "2026-10-03", "2026-10-03T05:00:00.000000Z", ROLLBACK)
    # released on 10-04 at 10:00 CST (02:00 UTC): 10-02 and 10-03 stay as they were paid
    released = {**held, "released_at": "2026-10-04T02:00:00.000000Z"}
    assert [settlement.held_on(released, day, late, ROLLBACK) for day in (
        "2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04")] == [False, True, True, False]


def test_a_release_pays_the_days_that_became_final_while_the_hold_stood():
    held = hold("2026-10-02T04:00:00.000000Z")
    assert settlement.days_held(held, "2026-10-04T02:00:00.000000Z", ROLLBACK) == [
        "2026-10-02", "2026-10-03"]
    assert settlement.days_held(held, "2026-10-02T05:00:00.000000Z", ROLLBACK) == []
    # held at 16:30 UTC, before 10-01 (ended 16:00 UTC) became final at 17:00
    evening = hold("2026-10-01T16:30:00.000000Z")
    assert settlement.days_held(evening, "2026-10-02T17:30:00.000000Z", ROLLBACK) == [
        "2026-10-01", "2026-10-02"]


def test_a_day_s_rows_say_held_or_payable_and_the_release_day_pays_what_was_kept():
    row = {"merchant_id": "m-1", "discount_fen": 3000}
    assert settlement.payable(row, True)["payable_fen"] == 0
    assert settlement.payable(row, False) == {**row, "held": "", "payable_fen": 3000}
    holds = {"m-2": hold("t", "t2", merchant_id="m-2", paid_with="2026-10-04",
                         released_fen=2500),
             "m-1": hold("t", "t2", paid_with="2026-10-04", released_fen=700),
             "m-3": hold("t", "t2", merchant_id="m-3", paid_with="2026-10-04", released_fen=0),
             "m-4": hold("t", merchant_id="m-4")}
    rows = settlement.release_rows(holds, "2026-10-04")
    assert [(r["merchant_id"], r["held"], r["payable_fen"]) for r in rows] == [
        ("m-1", "released", 700), ("m-2", "released", 2500)]
    assert settlement.release_rows(holds, "2026-10-05") == []


class DayRows:
    """The few store reads a day's settlement makes, over rows given here."""

    def __init__(self, rows, holds):
        self.rows, self.holds = rows, holds

    def merchant_rows(self, campaign_id, cursor, limit, day=None):
        return [dict(row) for row in self.rows], None

    def holds_of(self, campaign_id):
        return self.holds

    def day_totals(self, campaign_id, day, merchant_id=None):
        rows = [r for r in self.rows if merchant_id in (None, r["merchant_id"])]
        return {name: sum(r[name] for r in rows)
                for name in ("redemptions", "order_fen", "discount_fen")}


def test_the_day_s_total_pays_its_discounts_less_the_held_plus_the_releases():
    rows = [{"merchant_id": m, "merchant_name": m, "redemptions": 1, "order_fen": 9000,
             "discount_fen": fen} for m, fen in (("m-1", 1000), ("m-2", 2000))]
    holds = {"m-1": hold("2026-10-03T00:00:00.000000Z"),
             "m-3": hold("2026-10-01T00:00:00.000000Z", "2026-10-04T02:00:00.000000Z",
                         merchant_id="m-3", paid_with="2026-10-04", released_fen=500)}
    campaigns = SimpleNamespace(get=lambda campaign_id: {})
    page = Figures(DayRows(rows, holds), campaigns).daily_settlement_page(
        "cp-1", "2026-10-04", "2026-10-06T00:00:00.000000Z", ROLLBACK)
    lines = [line.split(",") for line in page["text"].splitlines()]
    assert [(line[0], line[5], line[6]) for line in lines[1:]] == [
        ("m-1", "held", "0"), ("m-2", "", "2000"), ("m-3", "released", "500"),
        ("TOTAL", "", "2500")]
    assert lines[-1][4] == "3000" and page["final"]
