"""Cash-out (套现) signals, free of I/O: a colluding merchant and consumers redeeming without a
real sale leave marks in a campaign's redemptions at that merchant. Each signal compares one
share with its threshold and says so in words; a merchant showing ``signals_to_hold`` of them
has its settlement held until an operator releases it.

- ``clustered_amounts``: orders just above the minimum spend (within ``cluster_margin`` of it)
  make up at least ``cluster_share`` of its redemptions;
- ``repeat_pairs``: consumers who redeemed at this merchant ``repeat_times`` times or more
  make up at least ``repeat_share`` of its redemptions (in any campaign);
- ``soon_after_claim``: redemptions within ``quick_seconds`` of their coupon's claim make up
  at least ``quick_share``;
- ``outsized_share``: its share of the campaign's redemptions is ``share_factor`` times an even
  share among the merchants redeeming, or more (the programme knows no size of a shop beyond
  its peers').

Nothing is judged below ``min_redemptions`` redemptions at a merchant: a handful proves nothing.
"""
from dataclasses import dataclass

from plumbing.clock import from_rfc3339
from plumbing.documents import visible
from services.coupons.listing import ROW_FIGURES as MONEY_FIGURES
from services.coupons.listing import SIGNAL_FIGURES

HOLD, RELEASED = "held", "released"
ROW_FIGURES = (*MONEY_FIGURES, *SIGNAL_FIGURES)  # what a merchant's row gives the signals


@dataclass(frozen=True)
class Thresholds:
    min_redemptions: int = 10
    cluster_margin: float = 0.05
    cluster_share: float = 0.6
    repeat_times: int = 3
    repeat_share: float = 0.3
    quick_seconds: float = 300
    quick_share: float = 0.5
    share_factor: float = 5.0
    signals_to_hold: int = 2


def marks(coupon, order_fen, at, thresholds):
    """What a redemption records for the signals, decided when it is made (so that the figures
    kept of it never change with the thresholds)."""
    minimum = coupon.get("min_spend_fen") or 0
    after_claim = from_rfc3339(at) - from_rfc3339(coupon["claimed_at"])
    return {"near_min_spend": bool(minimum)
            and order_fen <= minimum * (1 + thresholds.cluster_margin),
            "soon_after_claim": after_claim.total_seconds() <= thresholds.quick_seconds}


def repeat_share(pair_counts, thresholds):
    """The share of a merchant's redemptions (in any campaign) made by consumers who redeemed
    there ``repeat_times`` times or more, from how often each of its consumers did."""
    total = sum(pair_counts)
    again = sum(n for n in pair_counts if n >= thresholds.repeat_times)
    return again / total if total else 0.0


def could_hold(found, thresholds):
    """Whether the repeat pairs, not yet read (``repeat_share`` 0), could make ``found`` a
    hold: only then are a merchant's pairs worth reading."""
    return found is not None and sum(s["fired"] for s in found) >= thresholds.signals_to_hold - 1


def signals(row, repeat, campaign_redeemed, merchants_redeeming, thresholds):
    """The signals a merchant's row of a campaign shows: [{code, value, threshold, fired}]
    for each, ``repeat`` being its ``repeat_share``. None below ``min_redemptions``."""
    count = row.get("redemptions", 0)
    if count < thresholds.min_redemptions:
        return None
    even = 1 / merchants_redeeming if merchants_redeeming else 1
    share = count / campaign_redeemed if campaign_redeemed else 0
    measured = [
        ("clustered_amounts", row.get("near_min_spend", 0) / count, thresholds.cluster_share),
        ("repeat_pairs", repeat, thresholds.repeat_share),
        ("soon_after_claim", row.get("soon_after_claim", 0) / count, thresholds.quick_share),
        ("outsized_share", share / even, thresholds.share_factor),
    ]
    return [{"code": code, "value": round(value, 3), "threshold": threshold,
             "fired": value >= threshold} for code, value, threshold in measured]


def to_hold(found, thresholds):
    return found is not None and sum(s["fired"] for s in found) >= thresholds.signals_to_hold


EXPLANATIONS = {
    "clustered_amounts": "{value:.0%} of its redemptions are orders just above the minimum "
                         "spend (the threshold is {threshold:.0%})",
    "repeat_pairs": "{value:.0%} of its redemptions are by consumers who keep coming back to "
                    "redeem there (the threshold is {threshold:.0%})",
    "soon_after_claim": "{value:.0%} of its redemptions came right after the coupon was claimed "
                        "(the threshold is {threshold:.0%})",
    "outsized_share": "its share of the campaign is {value:.1f} times an even share of the "
                      "merchants redeeming (the threshold is {threshold:.1f} times)",
}


def explained(found):
    """The signals with a sentence each, as the operator's view shows them."""
    return [{**s, "explanation": EXPLANATIONS[s["code"]].format(**s)} for s in found]


def new_hold(campaign, standing, merchant_id, found, now):
    """The hold of a merchant's settlement, named as the events tell of it."""
    return {"_id": hold_id(campaign["_id"], merchant_id), "campaign_id": campaign["_id"],
            "campaign_name": campaign["name"], "merchant_id": merchant_id,
            "merchant_name": standing.get("name") or "", "region": standing.get("region") or "",
            "status": HOLD, "held_at": now,
            "signals": explained(found), "released_at": None, "released_by": None,
            "reason": None}


def named(hold):
    """Whose settlement of which campaign a hold is, as its events name it (a hold stored
    before it kept the names has empty ones)."""
    return {"campaign_id": hold["campaign_id"], "campaign_name": hold.get("campaign_name", ""),
            "merchant_id": hold["merchant_id"], "merchant_name": hold.get("merchant_name", ""),
            "region": hold["region"]}


def hold_id(campaign_id, merchant_id):
    return f"{campaign_id}|{merchant_id}"


def hold_view(hold):
    return None if hold is None else visible(hold)
