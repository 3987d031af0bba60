"""Coupon rules (services/coupons/rules.py), without I/O."""
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from plumbing.clock import to_rfc3339
from plumbing.derived import Sums
from plumbing.errors import DomainError
from services.coupons import listing, rules, settlement

START = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)


def t(hours):
    """The RFC 3339 time ``hours`` after the start."""
    return to_rfc3339(START + timedelta(hours=hours))


def spec(**overrides):
    """A validated campaign body: claims open from hour 10 to hour 20."""
    return {"name": "国庆消费券", "kind": "voucher", "face_value_fen": 2000,
            "min_spend_fen": 10000, "percent_off": None, "cap_fen": None, "prize_tiers": [],
            "total_quantity": 100, "per_consumer_limit": 1,
            "claim_starts_at": START + timedelta(hours=10),
            "claim_ends_at": START + timedelta(hours=20), "valid_days": 7,
            "valid_until": None, "funding": "市财政",
            "eligibility": {"regions": [], "industries": [], "merchant_ids": []}, **overrides}


def campaign(status="draft", **overrides):
    return {**rules.new_campaign("camp-1", spec(**overrides), "ops", t(0)), "status": status}


def error_of(call, *args):
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value.code, caught.value.status


# --- the campaign's status machine --------------------------------------------------------------

def test_new_campaign_is_a_draft_with_string_times():
    stored = rules.new_campaign("camp-1", spec(), "ops", t(0))
    assert stored["_id"] == "camp-1" and stored["status"] == "draft"
    assert stored["claim_starts_at"] == t(10) and stored["claim_ends_at"] == t(20)
    assert stored["valid_until"] is None
    assert stored["history"] == [{"at": t(0), "from": None, "to": "draft", "by": "ops"}]


def test_new_campaign_stores_valid_until_as_a_string():
    stored = rules.new_campaign("camp-1", spec(valid_days=None,
                                              valid_until=START + timedelta(days=30)),
                                "ops", t(0))
    assert stored["valid_until"] == to_rfc3339(START + timedelta(days=30))


@pytest.mark.parametrize("now, to", [(5, "scheduled"), (10, "active"), (15, "active"),
                                     (20, "ended"), (30, "ended")])
def test_activate_lands_where_the_clock_says(now, to):
    change = rules.transition(campaign("draft"), "activate", "ops", t(now))
    assert change.fields["status"] == to
    assert change.fields["history"][-1] == {"at": t(now), "from": "draft", "to": to, "by": "ops",
                                             "reason": "ops"}
    assert change.events == [("campaign_status_changed", {
        "campaign_id": "camp-1", "from": "draft", "to": to, "reason": "ops",
        "name": "国庆消费券"})]


ALL_STATUSES = ["draft", "scheduled", "active", "paused", "ended", "cancelled"]
MOVES = {
    "activate": {"draft"},
    "pause": {"active"},
    "resume": {"paused"},
    "cancel": {"draft", "scheduled", "active", "paused"},
}


@pytest.mark.parametrize("action, status", [(a, s) for a in MOVES for s in ALL_STATUSES
                                            if s not in MOVES[a]])
def test_action_from_a_wrong_status_is_409(action, status):
    assert error_of(rules.transition, campaign(status), action, "ops", t(15)) == (
        "WRONG_STATE", 409)


@pytest.mark.parametrize("action, status, to", [
    ("pause", "active", "paused"),
    ("resume", "paused", "active"),
    *[("cancel", status, "cancelled") for status in sorted(MOVES["cancel"])],
])
def test_action_moves(action, status, to):
    assert rules.transition(campaign(status), action, "ops", t(15)).fields["status"] == to


def test_resume_after_the_claim_window_ends_the_campaign():
    assert rules.transition(campaign("paused"), "resume", "ops", t(25)).fields["status"] == "ended"


@pytest.mark.parametrize("status, now, to, reason", [
    ("scheduled", 9, None, None),
    ("scheduled", 10, "active", "schedule"),
    ("scheduled", 25, "ended", "schedule"),
    ("active", 19, None, None),
    ("active", 20, "ended", "claim window over"),
    ("paused", 20, "ended", "claim window over"),
    ("draft", 25, None, None),
    ("cancelled", 25, None, None),
    ("ended", 25, None, None),
])
def test_clock_move(status, now, to, reason):
    change = rules.clock_move(campaign(status), t(now))
    if to is None:
        assert change is None
        return
    assert change.fields["status"] == to
    assert change.fields["history"][-1]["by"] == "system"
    assert change.events[0][1]["reason"] == reason


@pytest.mark.parametrize("status, now, ok", [
    ("active", 10, True), ("active", 19, True), ("active", 9, False), ("active", 20, False),
    ("paused", 15, False), ("scheduled", 15, False), ("ended", 15, False),
])
def test_claimable(status, now, ok):
    if ok:
        rules.claimable(campaign(status), t(now))
    else:
        assert error_of(rules.claimable, campaign(status), t(now)) == ("CAMPAIGN_NOT_ACTIVE", 409)


def test_a_campaign_ended_because_it_sold_out_answers_sold_out():
    ended = {**campaign("active"), **rules.moved(campaign("active"), "ended", "system", t(15),
                                                 rules.SOLD_OUT).fields}
    assert error_of(rules.claimable, ended, t(15)) == ("SOLD_OUT", 409)
    by_clock = {**campaign("active"), **rules.clock_move(campaign("active"), t(20)).fields}
    assert error_of(rules.claimable, by_clock, t(21)) == ("CAMPAIGN_NOT_ACTIVE", 409)


# --- eligibility ------------------------------------------------------------------------------

def standing(merchant_id="m-1", region="330106", industry="catering", status="certified"):
    return {"merchant_id": merchant_id, "region": region, "industry": industry,
            "status": status}


@pytest.mark.parametrize("eligibility, merchant, fits", [
    ({}, standing(), True),
    ({"regions": ["330100"]}, standing(region="330106"), True),
    ({"regions": ["330000"]}, standing(region="330106"), True),
    ({"regions": ["330106"]}, standing(region="330106"), True),
    ({"regions": ["330100"]}, standing(region="350102"), False),
    ({"regions": ["350100", "330100"]}, standing(region="330106"), True),
    ({"industries": ["catering", "retail"]}, standing(industry="retail"), True),
    ({"industries": ["catering"]}, standing(industry="retail"), False),
    ({"merchant_ids": ["m-1", "m-9"]}, standing(merchant_id="m-9"), True),
    ({"merchant_ids": ["m-1"]}, standing(merchant_id="m-2"), False),
    ({"regions": ["330100"], "industries": ["catering"]}, standing(), True),
    ({"regions": ["330100"], "industries": ["retail"]}, standing(), False),
])
def test_merchant_fits(eligibility, merchant, fits):
    rules_ = {"regions": [], "industries": [], "merchant_ids": [], **eligibility}
    assert rules.merchant_fits({"eligibility": rules_}, merchant) is fits


@pytest.mark.parametrize("merchant, good", [
    (None, False), (standing(), True), ({"merchant_id": "m-1"}, False),
    *[(standing(status=s), False) for s in ("warned", "suspended", "delisted",
                                           "pending_final", "rejected")],
])
def test_in_good_standing(merchant, good):
    assert rules.in_good_standing(merchant) is good


@pytest.mark.parametrize("merchant, error", [
    (None, "MERCHANT_NOT_ELIGIBLE"),
    (standing(status="warned"), "MERCHANT_NOT_ELIGIBLE"),
    (standing(region="350102"), "MERCHANT_NOT_ELIGIBLE"),
])
def test_require_redeemable_at_refuses(merchant, error):
    camp = campaign("active", eligibility={"regions": ["330100"], "industries": [],
                                           "merchant_ids": []})
    assert error_of(rules.require_redeemable_at, camp, merchant) == (error, 403)
    assert error_of(rules.require_redeemable_at, camp, merchant, "NOT_HERE") == ("NOT_HERE", 403)


def test_require_redeemable_at_accepts_a_fitting_certified_merchant():
    rules.require_redeemable_at(campaign("active"), standing())


# --- prize draws -------------------------------------------------------------------------------

class FixedRoll:
    def __init__(self, value):
        self.value = value

    def random(self):
        return self.value


TIERS = [{"name": "一等奖", "probability": 0.1, "face_value_fen": 10000, "min_spend_fen": 50000},
         {"name": "二等奖", "probability": 0.3, "face_value_fen": 2000}]
STOCK = {"一等奖": 5, "二等奖": 5}


@pytest.mark.parametrize("roll, won", [(0.0, "一等奖"), (0.099, "一等奖"), (0.1, "二等奖"),
                                       (0.399, "二等奖"), (0.4, None), (0.99, None)])
def test_draw_prize_by_the_roll(roll, won):
    prize = rules.draw_prize(TIERS, STOCK, FixedRoll(roll))
    assert (prize["name"] if prize else None) == won


@pytest.mark.parametrize("stock", [{"一等奖": 0, "二等奖": 5}, {"二等奖": 5}])
def test_draw_prize_of_a_tier_out_of_stock_wins_nothing(stock):
    assert rules.draw_prize(TIERS, stock, FixedRoll(0.05)) is None
    assert rules.draw_prize(TIERS, stock, FixedRoll(0.2))["name"] == "二等奖"


# --- coupons -----------------------------------------------------------------------------------

def test_new_coupon_expires_valid_days_after_the_claim():
    coupon = rules.new_coupon("cp-1", campaign("active"), "carol", t(12))
    assert coupon["expires_at"] == t(12 + 7 * 24)
    assert coupon["face_value_fen"] == 2000 and coupon["min_spend_fen"] == 10000
    assert coupon["status"] == "active" and coupon["prize"] is None
    assert coupon["claimed_at"] == t(12) and coupon["consumer"] == "carol"
    assert len(coupon["code"]) == 16


def test_new_coupon_expires_at_valid_until_when_given():
    camp = campaign("active", valid_days=None, valid_until=START + timedelta(days=30))
    coupon = rules.new_coupon("cp-1", camp, "carol", t(12))
    assert coupon["expires_at"] == to_rfc3339(START + timedelta(days=30))


@pytest.mark.parametrize("tier, value, min_spend", [(TIERS[0], 10000, 50000), (TIERS[1], 2000, 0)])
def test_new_coupon_of_a_prize_takes_the_prize_values(tier, value, min_spend):
    camp = campaign("active", kind="lucky_draw", face_value_fen=None, min_spend_fen=0,
                    prize_tiers=TIERS)
    coupon = rules.new_coupon("cp-1", camp, "carol", t(12), prize=tier)
    assert (coupon["prize"], coupon["face_value_fen"], coupon["min_spend_fen"]) == (
        tier["name"], value, min_spend)


def test_coupon_codes_differ():
    camp = campaign("active")
    assert len({rules.new_coupon(str(i), camp, "c", t(12))["code"] for i in range(20)}) == 20


def coupon(face=2000, min_spend=0, status="active", expires=100):
    return {"face_value_fen": face, "min_spend_fen": min_spend, "status": status,
            "expires_at": t(expires), "expiring_notified_at": None}


@pytest.mark.parametrize("camp, order, discount", [
    ({"kind": "voucher"}, 10000, 2000),
    ({"kind": "voucher"}, 1500, 1500),           # never more than the order
    ({"kind": "lucky_draw"}, 1000, 1000),
    ({"kind": "discount", "percent_off": 15, "cap_fen": 5000}, 10000, 1500),
    ({"kind": "discount", "percent_off": 15, "cap_fen": 5000}, 999, 149),  # floored to the fen
    ({"kind": "discount", "percent_off": 15, "cap_fen": 5000}, 100000, 5000),  # capped
    ({"kind": "group_buy", "face_value_fen": 6800}, 10000, 3200),
    ({"kind": "group_buy", "face_value_fen": 6800}, 5000, 0),
])
def test_discount_for_each_kind(camp, order, discount):
    assert rules.discount_for(camp, coupon(), order) == discount


def test_discount_below_the_minimum_spend_is_422():
    with pytest.raises(DomainError) as caught:
        rules.discount_for({"kind": "voucher"}, coupon(min_spend=10000), 9999)
    assert (caught.value.code, caught.value.status) == ("MIN_SPEND_NOT_MET", 422)
    assert caught.value.details == {"min_spend_fen": 10000}
    assert rules.discount_for({"kind": "voucher"}, coupon(min_spend=10000), 10000) == 2000


@pytest.mark.parametrize("status, expires, now, error", [
    ("active", 100, 99, None),
    ("active", 100, 100, "COUPON_EXPIRED"),
    ("expired", 100, 50, "COUPON_EXPIRED"),
    ("redeemed", 100, 50, "ALREADY_REDEEMED"),
    ("redeemed", 100, 200, "ALREADY_REDEEMED"),
])
def test_require_usable(status, expires, now, error):
    subject = coupon(status=status, expires=expires)
    if error is None:
        rules.require_usable(subject, t(now))
    else:
        assert error_of(rules.require_usable, subject, t(now)) == (error, 409)


@pytest.mark.parametrize("redemption, merchant, now, error", [
    ({"merchant_id": "m-1", "status": "done", "at": t(0)}, "m-1", t(1), None),
    ({"merchant_id": "m-1", "status": "done", "at": t(0)}, "m-1", t(2), None),  # at the edge
    ({"merchant_id": "m-1", "status": "done", "at": t(0)}, "m-2", t(1), ("FORBIDDEN", 403)),
    ({"merchant_id": "m-1", "status": "rolled_back", "at": t(0)}, "m-1", t(1),
     ("WRONG_STATE", 409)),
    ({"merchant_id": "m-1", "status": "done", "at": t(0)}, "m-1", t(3), ("WRONG_STATE", 409)),
])
def test_can_roll_back(redemption, merchant, now, error):
    window = 2 * 3600
    if error is None:
        rules.can_roll_back(redemption, merchant, now, window)
    else:
        assert error_of(rules.can_roll_back, redemption, merchant, now, window) == error


# --- figures -----------------------------------------------------------------------------------

REDEMPTIONS = [
    {"merchant_id": "m-2", "merchant_name": "乙", "status": "done", "order_amount_fen": 10000,
     "discount_fen": 2000, "at": "2026-10-01T16:00:00.000000Z"},
    {"merchant_id": "m-1", "merchant_name": "甲", "status": "done", "order_amount_fen": 5000,
     "discount_fen": 1000, "at": "2026-10-01T15:59:59.000000Z"},
    {"merchant_id": "m-1", "merchant_name": "甲", "status": "done", "order_amount_fen": 8000,
     "discount_fen": 1000, "at": "2026-10-01T16:00:00.000000Z"},
    {"merchant_id": "m-1", "merchant_name": "甲", "status": "rolled_back",
     "order_amount_fen": 99999, "discount_fen": 999},
]


def coupons_of(redemptions, issued):
    """The campaign's coupons: one per redemption (a rolled back one is active again, without
    its redemption), and active ones up to ``issued``."""
    coupons = [{"_id": f"c{i}", "campaign_id": "camp-1",
                "status": "redeemed" if r["status"] == "done" else "active",
                "redemption": r if r["status"] == "done" else None}
               for i, r in enumerate(redemptions)]
    return coupons + [{"_id": f"a{i}", "campaign_id": "camp-1", "status": "active"}
                      for i in range(issued - len(coupons))]


def counted(coupons):
    """Totals and merchant rows as the counters hold them once these coupons are counted."""
    sums = Sums()
    for coupon in coupons:
        snapshot = listing.snapshot(coupon)
        if snapshot is not None:
            sums.add(listing.contribution(snapshot))
    first = listing.merchant_rows("camp-1")
    totals = {name: sums.totals[listing.campaign_counter("camp-1")].get(name, 0)
              for name in ("issued", "redeemed", "order_fen", "discount_fen")}
    names = {r["merchant_id"]: r["merchant_name"] for r in REDEMPTIONS}
    rows = [{"merchant_id": counter[len(first):], "merchant_name": names[counter[len(first):]],
             **{name: fields.get(name, 0) for name in listing.ROW_FIGURES}}
            for counter, fields in sorted(sums.totals.items()) if counter.startswith(first)]
    return totals, rows


def figures_of(redemptions, issued, remaining):
    totals, rows = counted(coupons_of(redemptions, issued))
    return rules.figures("camp-1", totals, remaining, rows)


def test_figures_count_only_done_redemptions():
    got = figures_of(REDEMPTIONS, 50, 47)
    assert {k: v for k, v in got.items() if k != "per_merchant"} == {
        "campaign_id": "camp-1", "issued": 50, "redeemed": 3, "remaining": 47,
        "discount_fen": 4000, "order_fen": 23000, "leverage": 5.75}
    assert got["per_merchant"] == [
        {"merchant_id": "m-1", "merchant_name": "甲", "redemptions": 2, "order_fen": 13000,
         "discount_fen": 2000},
        {"merchant_id": "m-2", "merchant_name": "乙", "redemptions": 1, "order_fen": 10000,
         "discount_fen": 2000}]


@pytest.mark.parametrize("order, discount, leverage", [(10000, 3000, 3.33), (20000, 3000, 6.67),
                                                       (3000, 3000, 1.0)])
def test_leverage_is_rounded_to_two_places(order, discount, leverage):
    done = [{"merchant_id": "m-1", "merchant_name": "甲", "status": "done",
             "order_amount_fen": order, "discount_fen": discount,
             "at": "2026-10-01T08:00:00.000000Z"}]
    assert figures_of(done, 1, 0)["leverage"] == leverage


@pytest.mark.parametrize("redemptions", [[], REDEMPTIONS[3:]])
def test_leverage_without_discount_is_none(redemptions):
    got = figures_of(redemptions, 10, 10)
    assert got["leverage"] is None and got["redeemed"] == 0 and got["per_merchant"] == []


def settlement_csv(rows, totals):
    return settlement.settlement_text(rows, header=True, totals=totals)


def test_settlement_csv_has_a_row_per_merchant_and_a_total():
    totals, rows = counted(coupons_of(REDEMPTIONS, 50))
    rows = [{**rows[0], "held": settlement.held_mark({"status": "held"})},
            {**rows[1], "held": settlement.held_mark({"status": "released"})}]
    text = settlement_csv(rows, totals)
    assert text.endswith("\r\n")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [
        ["merchant_id", "merchant_name", "redemptions", "order_fen", "discount_fen", "held"],
        ["m-1", "甲", "2", "13000", "2000", "held"],
        ["m-2", "乙", "1", "10000", "2000", ""],
        ["TOTAL", "", "3", "23000", "4000", ""]]


def test_settlement_pages_join_into_one_csv():
    totals, rows = counted(coupons_of(REDEMPTIONS, 50))
    rows = [{**row, "held": ""} for row in rows]
    pages = settlement.settlement_text(rows[:1], header=True, totals=None) + \
        settlement.settlement_text(rows[1:], header=False, totals=totals)
    assert pages == settlement_csv(rows, totals)


def test_settlement_csv_quotes_awkward_names():
    rows = [{"merchant_id": "m-1", "merchant_name": 'A, "B"\nC', "redemptions": 1,
             "order_fen": 1, "discount_fen": 1, "held": ""}]
    totals = {"redeemed": 1, "order_fen": 1, "discount_fen": 1}
    parsed = list(csv.reader(io.StringIO(settlement_csv(rows, totals), newline="")))
    assert parsed[1][1] == 'A, "B"\nC' and len(parsed) == 3


def test_settlement_csv_of_no_rows_is_header_and_zero_total():
    totals = {"redeemed": 0, "order_fen": 0, "discount_fen": 0}
    parsed = list(csv.reader(io.StringIO(settlement_csv([], totals))))
    assert parsed[1:] == [["TOTAL", "", "0", "0", "0", ""]]


@pytest.mark.parametrize("status, notified, now, soon", [
    ("active", None, 75, False),
    ("active", None, 76, True),    # 24 h before hour 100
    ("active", None, 99, True),
    ("active", None, 100, False),  # already expired
    ("active", t(80), 90, False),  # already notified
    ("redeemed", None, 90, False),
])
def test_expiring_soon(status, notified, now, soon):
    subject = {**coupon(status=status, expires=100), "expiring_notified_at": notified}
    assert rules.expiring_soon(subject, t(now), 24 * 3600) is soon


def test_the_days_of_a_campaign_add_up_to_its_totals_in_china_standard_time():
    sums = Sums()
    for coupon in coupons_of(REDEMPTIONS, 50):
        snapshot = listing.snapshot(coupon)
        if snapshot is not None:
            sums.add(listing.contribution(snapshot))
    days = {day: dict(sums.totals[listing.day_counter("camp-1", day)])
            for day in ("2026-10-01", "2026-10-02")}
    assert days == {"2026-10-01": {"redemptions": 1, "order_fen": 5000, "discount_fen": 1000},
                    "2026-10-02": {"redemptions": 2, "order_fen": 18000, "discount_fen": 3000}}
    total = sums.totals[listing.campaign_counter("camp-1")]
    assert sum(d["discount_fen"] for d in days.values()) == total["discount_fen"]
    rows = {c[len(listing.day_rows("camp-1", "2026-10-02")):]: dict(f)
            for c, f in sums.totals.items() if c.startswith(listing.day_rows("camp-1",
                                                                            "2026-10-02"))}
    assert rows == {"m-1": {"redemptions": 1, "order_fen": 8000, "discount_fen": 1000},
                    "m-2": {"redemptions": 1, "order_fen": 10000, "discount_fen": 2000}}
