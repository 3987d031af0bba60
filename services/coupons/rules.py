"""Coupon rules, free of I/O: the campaign's status machine, eligibility, discounts, prize
draws, expiry, and the operators' figures. Times are RFC 3339 strings."""
import secrets
from datetime import timedelta

from contracts.coupon_kinds import kind_of
from plumbing.actors import covers
from plumbing.clock import from_rfc3339, to_rfc3339
from plumbing.documents import visible
from plumbing.errors import DomainError, conflict, forbidden
from plumbing.versioned import Change
from services.coupons import signups

CODE_BYTES = 12  # 16 url-safe characters: not guessable, short enough to type at a till

# action → (statuses it applies to, status after it; None means "decided by the clock")
TRANSITIONS = {
    "activate": ({"draft"}, None),
    "pause": ({"active"}, "paused"),
    "resume": ({"paused"}, "active"),
    "cancel": ({"draft", "scheduled", "active", "paused"}, "cancelled"),
}


def new_campaign(campaign_id, spec, created_by, now):
    tranches = [{**t, "starts_at": to_rfc3339(t["starts_at"])}
                for t in spec.get("tranches") or []]
    stored = {**spec, "claim_starts_at": to_rfc3339(spec["claim_starts_at"]),
              "claim_ends_at": to_rfc3339(spec["claim_ends_at"]),
              "valid_until": to_rfc3339(spec["valid_until"]) if spec["valid_until"] else None,
              "tranches": tranches, "tranches_released": released_at_start(tranches, spec)}
    return {"_id": campaign_id, **stored, **signups.new_ballot_fields(spec),
            "status": "draft", "created_by": created_by,
            "created_at": now, "updated_at": now, "version": 1,
            "history": [{"at": now, "from": None, "to": "draft", "by": created_by}]}


LIVE_STATUSES = ("scheduled", "active", "paused")


# --- tranches: the stock released in parts, each at its time -----------------------------------

def released_at_start(tranches, spec):
    """How many tranches the campaign's stock holds from its creation: those starting with
    its claim window."""
    start = to_rfc3339(spec["claim_starts_at"])
    return sum(1 for t in tranches if t["starts_at"] <= start)


def initial_stock(campaign):
    """The units a new campaign's stock counters get (the rest comes with its tranches)."""
    if not campaign.get("tranches"):
        return campaign["total_quantity"]
    return sum(t["quantity"] for t in campaign["tranches"][:campaign["tranches_released"]])


def tranches_due(campaign, now):
    """(index, tranche) of the tranches whose time has come and which are not released (a
    ballot's tranches are its draws)."""
    tranches = [] if signups.is_ballot(campaign) else campaign.get("tranches") or []
    return [(i, t) for i, t in enumerate(tranches)
            if i >= campaign.get("tranches_released", 0) and t["starts_at"] <= now]


def budget_released(campaign, now):
    """The fen the campaign's discounts may add up to by ``now``: its budget, or with budgets
    per tranche those of the tranches started (what one leaves unspent, and what its expired
    coupons never spent, stays for the next); None without a budget."""
    if campaign.get("budget_fen") is None:
        return None
    tranches = campaign.get("tranches") or []
    if not any("budget_fen" in t for t in tranches):
        return campaign["budget_fen"]
    return sum(t["budget_fen"] for t in tranches if t["starts_at"] <= now)


def tranche_ahead(campaign):
    """Whether stock is still to come: a sold-out campaign stays open for it."""
    return campaign.get("tranches_released", 0) < len(campaign.get("tranches") or [])


def may_sell_out(campaign):
    """Whether running out of stock ends the campaign: not a ballot's (it has no stock), nor
    one with a tranche ahead."""
    return campaign["status"] == "active" and not signups.is_ballot(campaign) and \
        not tranche_ahead(campaign)


def concerns_region(campaign, region):
    """A campaign for a city concerns its counties, one for a county its city."""
    regions = campaign["eligibility"]["regions"]
    return not regions or any(covers(r, region) or covers(region, r) for r in regions)


def status_by_clock(campaign, now):
    """Where an activated campaign stands by the clock alone."""
    if now < campaign["claim_starts_at"]:
        return "scheduled"
    if now >= campaign["claim_ends_at"]:
        return "ended"
    return "active"


def transition(campaign, action, by, now):
    """The Change of an operator's action; 409 WRONG_STATE when not allowed."""
    allowed_from, to = TRANSITIONS[action]
    if campaign["status"] not in allowed_from:
        raise conflict("WRONG_STATE", f"cannot {action} a {campaign['status']} campaign",
                       {"status": campaign["status"]})
    if to is None:
        to = status_by_clock(campaign, now)
    if to == "active" and now >= campaign["claim_ends_at"]:
        to = "ended"
    return moved(campaign, to, by, now)


SOLD_OUT = "sold out"


def moved(campaign, to, by, now, reason=None):
    entry = {"at": now, "from": campaign["status"], "to": to, "by": by, "reason": reason or by}
    fields = {"status": to, "updated_at": now, "history": campaign["history"] + [entry]}
    return Change(fields, [("campaign_status_changed", {
        "campaign_id": campaign["_id"], "from": campaign["status"], "to": to,
        "reason": reason or by, "name": campaign["name"]})])


def clock_move(campaign, now):
    """The move the clock makes by itself (scheduled → active → ended), or None."""
    if campaign["status"] == "scheduled" and now >= campaign["claim_starts_at"]:
        return moved(campaign, status_by_clock(campaign, now), "system", now, "schedule")
    if campaign["status"] in ("active", "paused") and now >= campaign["claim_ends_at"]:
        return moved(campaign, "ended", "system", now, "claim window over")
    return None


def sold_out_ended(campaign):
    return campaign["status"] == "ended" and campaign["history"][-1].get("reason") == SOLD_OUT


def claimable(campaign, now):
    if signups.is_ballot(campaign):
        raise conflict("WRONG_STATE", "this campaign allocates its coupons by ballot: sign up")
    open_for_taking_part(campaign, now)


def open_for_taking_part(campaign, now):
    """409 unless the campaign takes claims or sign-ups now."""
    if sold_out_ended(campaign):
        raise conflict("SOLD_OUT", "the campaign has no coupons left")
    if campaign["status"] != "active" or not (
            campaign["claim_starts_at"] <= now < campaign["claim_ends_at"]):
        raise conflict("CAMPAIGN_NOT_ACTIVE", "the campaign is not taking claims",
                       {"status": campaign["status"]})


# --- eligibility ------------------------------------------------------------------------------

def merchant_fits(campaign, merchant):
    """Whether ``merchant`` (a standing: region, industry, merchant_id) is within the
    campaign's eligibility. Empty lists do not restrict."""
    rules = campaign["eligibility"]
    if rules["merchant_ids"] and merchant["merchant_id"] not in rules["merchant_ids"]:
        return False
    if rules["regions"] and not any(covers(r, merchant["region"]) for r in rules["regions"]):
        return False
    return not rules["industries"] or merchant["industry"] in rules["industries"]


def in_good_standing(merchant):
    """Certified and not suspended, delisted or warned (DESIGN.md "Coupons")."""
    return merchant is not None and merchant.get("status") == "certified"


def require_redeemable_at(campaign, merchant, error="MERCHANT_NOT_ELIGIBLE"):
    if not (in_good_standing(merchant) and merchant_fits(campaign, merchant)):
        raise forbidden(error, "this merchant cannot take part in the campaign")


# --- coupons ---------------------------------------------------------------------------------

def draw_prize(tiers, remaining_by_tier, rng):
    """The tier a draw wins, or None; a tier whose stock is gone wins nothing."""
    roll, edge = rng.random(), 0.0
    for tier in tiers:
        edge += tier["probability"]
        if roll < edge:
            return tier if remaining_by_tier.get(tier["name"], 0) > 0 else None
    return None


def new_coupon(coupon_id, campaign, consumer, now, prize=None):
    if campaign["valid_until"]:
        expires_at = campaign["valid_until"]
    else:
        expires_at = to_rfc3339(from_rfc3339(now) + timedelta(days=campaign["valid_days"]))
    value = prize["face_value_fen"] if prize else campaign.get("face_value_fen")
    min_spend = prize.get("min_spend_fen", 0) if prize else campaign["min_spend_fen"]
    return {"_id": coupon_id, "code": secrets.token_urlsafe(CODE_BYTES),
            "campaign_id": campaign["_id"], "campaign_name": campaign["name"],
            "kind": campaign["kind"], "consumer": consumer, "status": "active",
            "prize": prize["name"] if prize else None, "face_value_fen": value,
            "min_spend_fen": min_spend, "claimed_at": now, "expires_at": expires_at,
            "expiring_notified_at": None, "redemption_id": None, "redeemed_at": None}


def coupon_view(coupon):
    shown = {"coupon_id": coupon["_id"], **visible(
        coupon, "consumer", "expiring_notified_at",
        "unit_counter", "unit_seq", "prize_counter", "prize_seq")}  # stock bookkeeping
    if shown.get("redemption"):  # its id is the coupon's redemption_id; its marks are ours
        shown["redemption"] = {k: v for k, v in shown["redemption"].items()
                               if k not in ("_id", "marks")}
    return shown


def no_prize_view(campaign, now):
    return {"coupon_id": None, "code": None, "campaign_id": campaign["_id"],
            "campaign_name": campaign["name"], "kind": campaign["kind"], "status": "no_prize",
            "prize": None, "face_value_fen": None, "min_spend_fen": 0, "claimed_at": now,
            "expires_at": None}


def discount_for(campaign, coupon, order_fen):
    """The discount a coupon gives on an order, in fen; 422 below the minimum spend."""
    if order_fen < coupon["min_spend_fen"]:
        raise DomainError("MIN_SPEND_NOT_MET", "the order is below the coupon's minimum spend",
                          422, {"min_spend_fen": coupon["min_spend_fen"]})
    return kind_of(campaign).discount_fen(campaign, coupon, order_fen)


def require_usable(coupon, now):
    if coupon["status"] == "redeemed":
        raise conflict("ALREADY_REDEEMED", "this coupon has been used")
    if coupon["status"] == "expired" or coupon["expires_at"] <= now:
        raise conflict("COUPON_EXPIRED", "this coupon has expired")


def can_roll_back(redemption, merchant_id, now, window_seconds):
    if redemption["merchant_id"] != merchant_id:
        raise forbidden(message="only the merchant that redeemed may roll back")
    if redemption["status"] != "done":
        raise conflict("WRONG_STATE", "this redemption was already rolled back")
    if from_rfc3339(now) - from_rfc3339(redemption["at"]) > timedelta(seconds=window_seconds):
        raise conflict("WRONG_STATE", "the rollback window has passed")


# --- operators' figures --------------------------------------------------------------------

def figures(campaign_id, totals, remaining, rows):
    """Issued, redeemed, remaining, money and leverage from the campaign's counters, with a
    page of per-merchant ``rows``."""
    discount, order = totals["discount_fen"], totals["order_fen"]
    return {"campaign_id": campaign_id, "issued": totals["issued"],
            "redeemed": totals["redeemed"], "remaining": remaining, "discount_fen": discount,
            "order_fen": order, "leverage": round(order / discount, 2) if discount else None,
            "per_merchant": rows}


def expiring_soon(coupon, now, before_seconds):
    return (coupon["status"] == "active" and coupon["expiring_notified_at"] is None
            and to_rfc3339(from_rfc3339(coupon["expires_at"]) - timedelta(seconds=before_seconds))
            <= now < coupon["expires_at"])
