"""Registry rules, free of I/O: the automatic pre-check, statuses and pools."""
import secrets
from datetime import timedelta

from contracts.catalogue import FOOD_INDUSTRIES, LICENCE_KINDS, STANDARD_KEYS
from contracts.store_page_display import grade_of
from plumbing.clock import from_rfc3339
from plumbing.documents import visible

PENDING_ONSITE = "pending_onsite"
REJECTED = "rejected"

SELECTION_STATUSES = frozenset({"pending_onsite", "pending_county", "pending_final"})


def pool_of(status, stars):
    """The library a unit sits in, derived from its status and stars."""
    if status in SELECTION_STATUSES:
        return "selection"
    if status == "certified":
        return "star" if stars > 0 else "cultivation"
    if status == "warned":
        return "warning"
    return None


def _reason(code, message):
    return {"code": code, "message": message}


def expired_licence_errors(licences, today):
    """Field errors (marshmallow's shape) for licences that expired before ``today``: an
    expired licence is bad input, refused with 422 before anything is stored."""
    return {index: {"valid_until": [f"{LICENCE_KINDS[licence['kind']]} {licence['number']} "
                                    f"expired on {licence['valid_until'].isoformat()}"]}
            for index, licence in enumerate(licences) if licence["valid_until"] < today}


def precheck(application, today, abnormal_listed):
    """Reasons the automatic pre-check rejects ``application``; empty when it passes.

    ``today`` is a ``date``; ``abnormal_listed`` says whether the credit code is on the
    licence registry's abnormal list. The credit code's check digit and the licences' expiry
    are input checks, made before (``expired_licence_errors``).
    """
    reasons = []
    kinds = {licence["kind"] for licence in application["licences"]}
    if "business_licence" not in kinds:
        reasons.append(_reason("BUSINESS_LICENCE_MISSING", "营业执照缺失"))
    if application["industry"] in FOOD_INDUSTRIES and "food_operation" not in kinds:
        reasons.append(_reason("FOOD_LICENCE_MISSING", "食品经营许可证缺失"))
    answers = application["declaration"]["items"]
    unmet = sorted(key for key in STANDARD_KEYS if answers.get(key) is not True)
    if unmet:
        reasons.append(_reason("DECLARATION_INCOMPLETE", "自我声明未满足: " + ", ".join(unmet)))
    if abnormal_listed:
        reasons.append(_reason("ABNORMAL_LISTED", "已被列入经营异常名录"))
    return reasons


def new_merchant(merchant_id, application, reasons, actor_sub, now):
    """The stored record of a new application; ``now`` is an RFC 3339 string."""
    status = REJECTED if reasons else PENDING_ONSITE
    reason_text = "; ".join(r["code"] for r in reasons) if reasons else "自主申报，自动预审通过"
    return {
        "_id": merchant_id,
        **_storable(application),
        "status": status,
        "pool": pool_of(status, 0),
        "stars": 0,
        "store_code": None,
        "rating": {"count": 0, "total": 0},
        "scan_count": 0,
        "redemption_count": 0,
        "red_listed": False,
        "black_listed": False,
        "suspended_by": None,
        "rejection_reasons": reasons,
        "history": [{"at": now, "from": None, "to": status, "by": actor_sub,
                     "reason": reason_text}],
        "created_at": now,
        "updated_at": now,
        "spot_draw": f"{secrets.randbits(32):08x}",
        "version": 1,
    }


def _storable(application):
    """Dates as ISO strings: the store keeps no date objects."""
    licences = [{**licence, "valid_until": licence["valid_until"].isoformat()}
                for licence in application["licences"]]
    return {**application, "licences": licences}


def applied_event_data(merchant):
    return {
        "merchant_id": merchant["_id"],
        "name": merchant["name"],
        "region": merchant["region"],
        "industry": merchant["industry"],
        "status": merchant["status"],
        "rejection_reasons": merchant["rejection_reasons"],
    }


def view(merchant):
    """The merchant as API.md's read fields show it."""
    shown = visible(merchant, "suspended_by", "spot_draw", "trust",
                    "redemption_count", "redemptions_seen")
    return {"merchant_id": merchant["_id"], **shown,
            "trust_grade": grade_of((merchant.get("trust") or {}).get("grade"))}


def resubmission(merchant, application, reasons, actor_sub, now):
    """The fields of a fixed application sent again after a rejection (整改后重新申报)."""
    status = REJECTED if reasons else PENDING_ONSITE
    reason_text = ("; ".join(r["code"] for r in reasons) if reasons
                   else "整改后重新申报，自动预审通过")
    entry = {"at": now, "from": merchant["status"], "to": status, "by": actor_sub,
             "reason": reason_text}
    return {**_storable(application), "status": status, "pool": pool_of(status, 0),
            "rejection_reasons": reasons, "history": merchant["history"] + [entry],
            "updated_at": now}


def profile_update(merchant, updates, actor_sub, now):
    """The fields of an owner's profile change; the history records which fields changed."""
    stored = _storable({"licences": [], **updates})
    if "licences" not in updates:
        stored.pop("licences")
    entry = {"at": now, "from": merchant["status"], "to": merchant["status"], "by": actor_sub,
             "reason": "资料更新: " + ", ".join(sorted(updates))}
    return {**stored, "history": merchant["history"] + [entry], "updated_at": now}


RATING_INTERVAL_DAYS = 30


def rating_allowed(last_rated_at, now):
    """A consumer rates a unit at most once per 30 days; times are RFC 3339 strings."""
    if last_rated_at is None:
        return True
    return from_rfc3339(now) - from_rfc3339(last_rated_at) >= timedelta(
        days=RATING_INTERVAL_DAYS)
