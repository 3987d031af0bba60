"""The certification lifecycle, free of I/O: reviews, regulator actions, stars, the licence
registry's feed, expiring licences and complaint warnings.

Each decision takes the stored merchant and returns a ``Change``: the fields to set (status,
pool and history included) and the events it causes, as (type, data) pairs. It raises a
``DomainError`` when the rules say no.
"""
import secrets
from datetime import date, timedelta

from plumbing.errors import conflict, forbidden
from plumbing.versioned import Change
from services.registry.domain import pool_of

LEVEL_RANK = {"station": 0, "county": 1, "city": 2, "province": 3}

# review stage → (status it reviews, status after a pass, lowest level that may review it)
STAGES = {
    "onsite": ("pending_onsite", "pending_county", "station"),
    "county": ("pending_county", "pending_final", "county"),
    "final": ("pending_final", "certified", "city"),
}

PUBLIC_STATUSES = frozenset({"certified", "warned"})
# action → (statuses it applies to, status after it, lowest level that may take it)
ACTIONS = {
    "warn": ({"certified"}, "warned", "county"),
    "clear_warning": ({"warned"}, "certified", "county"),
    "suspend": ({"certified", "warned"}, "suspended", "county"),
    "restore": ({"suspended"}, "certified", "county"),
    "revoke": ({"certified", "warned", "suspended"}, "delisted", "city"),
    "red_list": (PUBLIC_STATUSES, None, "city"),
    "black_list": ({"certified", "warned", "suspended", "delisted"}, "delisted", "city"),
}
STARS_LEVEL = "city"
STORE_CODE_BYTES = 12  # 16 url-safe characters: not guessable, short enough for a QR code


def require_regulator(actor, merchant, lowest_level):
    """403 unless ``actor`` is a regulator of at least ``lowest_level`` over the merchant."""
    if actor.role != "regulator":
        raise forbidden(message="regulators only")
    if not actor.has_jurisdiction_over(merchant["region"]):
        raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
    if LEVEL_RANK.get(actor.level, -1) < LEVEL_RANK[lowest_level]:
        raise forbidden("INSUFFICIENT_LEVEL", f"this needs a regulator of {lowest_level} level "
                                              "or above", {"required_level": lowest_level})


def transition(merchant, to, by, reason, now, **fields):
    """The fields of a move to status ``to`` (or of a recorded step when it stays put)."""
    stars = fields.get("stars", merchant.get("stars", 0))
    entry = {"at": now, "from": merchant["status"], "to": to, "by": by, "reason": reason}
    return {**fields, "status": to, "pool": pool_of(to, stars),
            "history": merchant["history"] + [entry], "updated_at": now}


def status_changed(merchant, to, reason, by):
    return ("merchant_status_changed", {
        "merchant_id": merchant["_id"], "from": merchant["status"], "to": to,
        "reason": reason, "by": by, "region": merchant["region"],
        "industry": merchant["industry"], "name": merchant["name"]})


def review(merchant, actor, stage, decision, notes, now):
    reviewed_status, passed_status, lowest_level = STAGES[stage]
    require_regulator(actor, merchant, lowest_level)
    if merchant["status"] != reviewed_status:
        raise conflict("WRONG_STAGE", f"the merchant is {merchant['status']}, not awaiting the "
                                      f"{stage} review", {"status": merchant["status"]})
    recorded = ("merchant_review_recorded", {
        "merchant_id": merchant["_id"], "stage": stage, "decision": decision, "notes": notes,
        "by": actor.sub, "region": merchant["region"]})
    if decision == "fail":
        reasons = [{"code": "REVIEW_FAILED", "message": notes or "", "stage": stage}]
        fields = transition(merchant, "rejected", actor.sub, notes, now,
                            rejection_reasons=reasons)
        return Change(fields, [recorded, ("merchant_rejected", {
            "merchant_id": merchant["_id"], "stage": stage, "reasons": reasons})])
    if passed_status != "certified":
        return Change(transition(merchant, passed_status, actor.sub, notes, now), [recorded])
    code = secrets.token_urlsafe(STORE_CODE_BYTES)
    fields = transition(merchant, "certified", actor.sub, notes, now, store_code=code,
                        certified_at=now, rejection_reasons=[])
    return Change(fields, [recorded, ("merchant_certified", {
        "merchant_id": merchant["_id"], "store_code": code, "region": merchant["region"],
        "industry": merchant["industry"], "name": merchant["name"]})])


def act(merchant, actor, action, reason, now):
    allowed_from, to, lowest_level = ACTIONS[action]
    require_regulator(actor, merchant, lowest_level)
    if merchant["status"] not in allowed_from:
        raise conflict("WRONG_STATE", f"cannot {action} a {merchant['status']} merchant",
                       {"status": merchant["status"]})
    if action == "red_list":
        fields = transition(merchant, merchant["status"], actor.sub, reason, now,
                            red_listed=True)
        return Change(fields, [("merchant_updated", {
            "merchant_id": merchant["_id"], "changes": {"red_listed": True}, "reason": reason})])
    extra = {"black_listed": True, "red_listed": False} if action == "black_list" else {}
    if to == "suspended":
        extra["suspended_by"] = "regulator"  # the licence registry may not lift this one
    elif action == "restore":
        extra["suspended_by"] = None
    fields = transition(merchant, to, actor.sub, reason, now, **extra)
    return Change(fields, [status_changed(merchant, to, reason, actor.sub)])


def set_stars(merchant, actor, stars, now, reason=""):
    """A regulator's stars, overriding the computed grade's until the next re-evaluation."""
    require_regulator(actor, merchant, STARS_LEVEL)
    if merchant["status"] not in PUBLIC_STATUSES:
        raise conflict("WRONG_STATE", "only certified units are rated with stars",
                       {"status": merchant["status"]})
    override = {"stars": stars, "reason": reason or None, "by": actor.sub, "at": now}
    fields = transition(merchant, merchant["status"], actor.sub, f"stars: {stars}", now,
                        stars=stars, stars_override=override)
    return Change(fields, [("merchant_updated", {
        "merchant_id": merchant["_id"], "changes": {"stars": stars}, "by": actor.sub})])


# --- automatic moves: no regulator, the system acts on a feed or a schedule -----------------

SYSTEM = "system"
FEED_MOVES = {
    "revoked": ({"pending_onsite", "pending_county", "pending_final", "rejected", "certified",
                 "warned", "suspended"}, "delisted"),
    "deregistered": ({"pending_onsite", "pending_county", "pending_final", "rejected",
                      "certified", "warned", "suspended"}, "delisted"),
    "abnormal_listed": (PUBLIC_STATUSES, "suspended"),
    "abnormal_cleared": ({"suspended"}, "certified"),
}
CHANGEABLE_BY_FEED = ("name", "address")


def licence_feed(merchant, event, changes, actor_sub, now):
    """The licence registry's word on a unit; None when it changes nothing."""
    if event == "changed":
        updates = {k: v for k, v in (changes or {}).items() if k in CHANGEABLE_BY_FEED}
        if not updates:
            return None
        fields = transition(merchant, merchant["status"], actor_sub,
                            "登记信息变更: " + ", ".join(sorted(updates)), now, **updates)
        return Change(fields, [("merchant_updated", {
            "merchant_id": merchant["_id"], "changes": updates, "reason": "licence registry"})])
    allowed_from, to = FEED_MOVES[event]
    if merchant["status"] not in allowed_from:
        return None
    if event == "abnormal_cleared" and merchant.get("suspended_by") != "abnormal_listed":
        return None  # a regulator's suspension is not lifted by the licence registry
    reason = f"licence registry: {event}"
    extra = {"suspended_by": "abnormal_listed"} if to == "suspended" else {"suspended_by": None}
    fields = transition(merchant, to, actor_sub, reason, now, **extra)
    return Change(fields, [status_changed(merchant, to, reason, actor_sub)])


def expiring_licences(merchant, today, warning_days):
    """The licences of ``merchant`` that expire within ``warning_days`` of ``today``."""
    horizon = today + timedelta(days=warning_days)
    return [licence for licence in merchant["licences"]
            if date.fromisoformat(licence["valid_until"]) <= horizon]


def warn_automatically(merchant, reason, now):
    """Moves a certified unit to the warning library; None when it is not certified."""
    if merchant["status"] != "certified":
        return None
    fields = transition(merchant, "warned", SYSTEM, reason, now)
    return Change(fields, [status_changed(merchant, "warned", reason, SYSTEM)])


def standing(merchant):
    """What other services need to know: may this unit take part (coupons, complaints)?"""
    if merchant is None:
        return {"known": False, "eligible": False}
    return {"known": True, "merchant_id": merchant["_id"], "status": merchant["status"],
            "eligible": merchant["status"] == "certified", "region": merchant["region"],
            "industry": merchant["industry"], "name": merchant["name"],
            "store_code": merchant.get("store_code")}


def ensure_owner(actor, merchant):
    if not (actor.role == "merchant" and actor.merchant_id == merchant["_id"]):
        raise forbidden(message="only the merchant itself may do this")
