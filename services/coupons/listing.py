"""Where campaigns and coupons are listed, and what the figures count of them; free of I/O.

| field | key | holds |
|---|---|---|
| campaigns ``k_status`` | status, created_at, id | every campaign, by status |
| campaigns ``k_closed`` | updated_at, id | ended and cancelled ones (the reconciler's) |
| campaigns ``k_draw`` | next draw's time, id | activated ballots with a draw ahead |
| sign-ups ``k_signup`` | campaign, signup_id | a ballot's sign-ups in the published order |
| cash-out holds ``k_hold`` | campaign, merchant | a campaign's held (and released) settlements |
| coupons ``k_consumer`` | consumer, claimed_at, id | coupons, for their consumer |
| coupons ``k_expiry`` | expires_at, id | active coupons: the expiry scan |
| coupons ``k_expiring`` | expires_at, id | active coupons not yet warned of their expiry |
| coupons ``k_unit`` / ``k_prize`` | counter, seq, id | documents accounting for a unit of stock |
| coupons ``k_void`` | id | units to give back: voided, or an expired coupon's for a tranche |

Figures (``coupon_counters``): per campaign ``t|<campaign>`` (issued, redeemed, order_fen,
discount_fen), per campaign and merchant ``s|<campaign>|<merchant>`` (redemptions,
order_fen, discount_fen, and the cash-out marks near_min_spend and soon_after_claim): one
settlement row each, read in merchant order; per campaign, day and merchant
``d|<campaign>|<day>|<merchant>`` and per campaign and day ``dt|<campaign>|<day>`` (the daily
settlement's rows and TOTAL); and per merchant and consumer ``p|<merchant>|<consumer>`` (n:
redemptions there, in any campaign).
"""
from plumbing.clock import china_day
from plumbing.keys import key, prefix
from plumbing.pagination import KeyRange
from services.coupons import signups, units

COUNTERS = "coupon_counters"
SIGNAL_FIGURES = ("near_min_spend", "soon_after_claim")  # services/coupons/cash_out.py
ROW_FIGURES = ("redemptions", "order_fen", "discount_fen")
SEQ_DIGITS = 12


def campaign_keys(campaign):
    closed = campaign["status"] in ("ended", "cancelled")
    return {"k_status": key("k_status", campaign["status"], campaign["created_at"],
                            campaign["_id"]),
            "k_closed": key("k_closed", campaign["updated_at"], campaign["_id"])
            if closed else None,
            "k_draw": key("k_draw", signups.next_draw_at(campaign), campaign["_id"])
            if _draw_ahead(campaign) else None}


def _draw_ahead(campaign):
    """An activated ballot, not cancelled, with a draw ahead."""
    return (signups.is_ballot(campaign) and campaign["status"] not in ("draft", "cancelled")
            and signups.next_draw(campaign) is not None)


def signup_keys(signup):
    return {"k_signup": key("k_signup", signup["campaign_id"], signup["signup_id"])}


def hold_keys(hold):
    return {"k_hold": key("k_hold", hold["campaign_id"], hold["merchant_id"])}


def signups_of(campaign_id):
    return KeyRange("k_signup", prefix("k_signup", campaign_id))


def status_ranges(statuses):
    return [KeyRange("k_status", prefix("k_status", status)) for status in statuses]


def coupon_keys(coupon):
    active = coupon["status"] == "active" and "expires_at" in coupon
    return {
        "k_consumer": key("k_consumer", coupon["consumer"], coupon["claimed_at"], coupon["_id"])
        if "consumer" in coupon else None,
        "k_expiry": key("k_expiry", coupon["expires_at"], coupon["_id"]) if active else None,
        "k_expiring": key("k_expiring", coupon["expires_at"], coupon["_id"])
        if active and not coupon.get("expiring_notified_at") else None,
        **{f"k_{kind}": _unit_key(coupon, kind) for kind in (units.DRAW, units.PRIZE)},
        # units to give back to their counter: a void's, or an expired coupon's for a tranche
        "k_void": key("k_void", coupon["_id"])
        if coupon["status"] in (units.VOID, "expired") and coupon.get("return") == "pending"
        else None,
    }


def _unit_key(coupon, kind):
    if f"{kind}_counter" not in coupon:
        return None
    return key(f"k_{kind}", coupon[f"{kind}_counter"],
               f"{coupon[f'{kind}_seq']:0{SEQ_DIGITS}d}", coupon["_id"])


def units_after(kind, counter_id, seq):
    """The documents of a counter's units above ``seq``."""
    return KeyRange(f"k_{kind}", prefix(f"k_{kind}", counter_id), f"{seq + 1:0{SEQ_DIGITS}d}")


COUPON_KEY_FIELDS = tuple(coupon_keys({
    "_id": "x", "consumer": "c", "claimed_at": "t", "expires_at": "t", "status": "active",
    f"{units.DRAW}_counter": "c", f"{units.DRAW}_seq": 1, f"{units.PRIZE}_counter": "c",
    f"{units.PRIZE}_seq": 1}))
SIGNUP_KEY_FIELDS = ("k_signup",)
CAMPAIGN_KEY_FIELDS = tuple(campaign_keys({
    "_id": "x", "status": "ended", "created_at": "t", "updated_at": "t", "draw_at": "t",
    "allocation": signups.BALLOT,
    signups.BALLOT: {"draws": [{"starts_at": "t", "state": signups.OPEN}]}}))


# --- figures ----------------------------------------------------------------------------------

def snapshot(coupon):
    if coupon["status"] not in units.ISSUED_STATUSES:
        return None
    redemption = coupon.get("redemption") if coupon["status"] == "redeemed" else None
    return {"campaign": coupon["campaign_id"],
            "redemption": None if redemption is None else {
                "merchant": redemption["merchant_id"], "order": redemption["order_amount_fen"],
                "discount": redemption["discount_fen"], "consumer": coupon.get("consumer"),
                "marks": redemption.get("marks") or {}, "day": china_day(redemption["at"])}}


def campaign_counter(campaign_id):
    return key("t", campaign_id)


def contribution(counted):
    redemption = counted["redemption"]
    totals = {"issued": 1}
    added = {campaign_counter(counted["campaign"]): totals}
    if redemption is not None:
        money = {"order_fen": redemption["order"], "discount_fen": redemption["discount"]}
        totals.update({"redeemed": 1, **money})
        marks = redemption.get("marks") or {}
        added[key("s", counted["campaign"], redemption["merchant"])] = {
            "redemptions": 1, **money, **{mark: 1 for mark in SIGNAL_FIGURES if marks.get(mark)}}
        if redemption.get("consumer"):
            added[pair_counter(redemption["merchant"], redemption["consumer"])] = {"n": 1}
        if redemption.get("day"):
            day_figures = {"redemptions": 1, **money}
            added[day_counter(counted["campaign"], redemption["day"])] = day_figures
            added[key("d", counted["campaign"], redemption["day"], redemption["merchant"])] = \
                day_figures
    return added


def day_counter(campaign_id, day):
    """A campaign's redemptions of one day (China Standard Time): the daily settlement's
    TOTAL."""
    return key("dt", campaign_id, day)


def day_rows(campaign_id, day):
    """The prefix of a campaign's per-merchant counters of one day."""
    return prefix("d", campaign_id, day)


def pair_counter(merchant_id, consumer):
    """How often a consumer redeemed at a merchant, in any campaign (the cash-out signals)."""
    return key("p", merchant_id, consumer)


def pairs_of(merchant_id):
    return prefix("p", merchant_id)


def merchant_rows(campaign_id):
    """The prefix of a campaign's per-merchant counters."""
    return prefix("s", campaign_id)
