"""The coupons service's business figures."""
from prometheus_client import Counter, Gauge

CLAIMS = Counter("fangxin_coupon_claims_total", "Claims by outcome (issued, or the error code)",
                 ["outcome"])
REDEMPTIONS = Counter("fangxin_coupon_redemptions_total",
                      "Redemptions by outcome (redeemed, rolled_back, or the error code)",
                      ["outcome"])
STOCK_REMAINING = Gauge("fangxin_coupon_stock_remaining",
                        "Stock left per live (scheduled, active or paused) campaign",
                        ["campaign_id"])
UNITS_RETURNED = Counter("fangxin_coupon_units_returned_total",
                         "Units of stock returned by the reconciler after a claim died between "
                         "taking and recording them")

SIGNUPS = Counter("fangxin_ballot_signups_total",
                  "Ballot sign-ups by outcome (signed_up, again: a repeat, or the error code)",
                  ["outcome"])
DRAW_PROGRESS = Gauge("fangxin_ballot_draw_progress",
                      "Sign-ups a running draw has read (stage read) or issued coupons for "
                      "(stage issued)", ["campaign_id", "stage"])
BALLOT_COUPONS = Counter("fangxin_ballot_coupons_issued_total",
                         "Coupons issued to the winners of ballots")

SETTLEMENT_HOLDS = Counter("fangxin_coupon_settlement_holds_total",
                           "Settlements held for cash-out signals (held), and released",
                           ["outcome"])


def forget_draw(campaign_id):
    for stage in ("read", "issued"):
        DRAW_PROGRESS.remove(campaign_id, stage)


def show_stock(campaign_id, remaining):
    STOCK_REMAINING.labels(campaign_id).set(remaining)


BUDGET_SPENT = Gauge("fangxin_coupon_budget_spent_fen",
                     "Fen of its budget a live campaign has paid, or holds for redemptions under "
                     "way", ["campaign_id"])


def show_budget(campaign_id, spent_fen):
    BUDGET_SPENT.labels(campaign_id).set(spent_fen)


def keep_only(live_ids):
    """Drops the series of every campaign not in ``live_ids`` (one that stopped while a pass
    was setting its figures)."""
    for gauge in (STOCK_REMAINING, BUDGET_SPENT):
        shown = {s.labels["campaign_id"] for m in gauge.collect() for s in m.samples}
        for campaign_id in shown - set(live_ids):
            gauge.remove(campaign_id)


def drop_stock(campaign_id):
    """No series for a campaign that has ended or been cancelled: its last figure (0 when it
    sold out) would keep the stock-exhausted alert firing for good."""
    STOCK_REMAINING.remove(campaign_id)
    BUDGET_SPENT.remove(campaign_id)
