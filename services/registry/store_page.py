"""The public store page (一店一码) of a unit, built from its registry record. Pure: no I/O.

The page is built field by field from the record, never by copying it, so nothing the public
must not see (contact phone, credit code, history, people's data) can leak into it.
"""
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from contracts.catalogue import INDUSTRIES, LICENCE_KINDS, UNIT_TYPES
from contracts.store_page_display import BOOLEAN_COMMITMENTS, badge_of, coupon_of, grade_of

HOTLINE = "12315"


# Staff health certificates are issued to people: their numbers stay off the public page.
PERSONAL_LICENCE_KINDS = frozenset({"health_certificate"})


def page_of(merchant, complaints=None, coupons=None, *, today, links):
    """The store page of ``merchant`` as of ``today`` (a ``date``), as public JSON, its
    buttons leading where ``links`` say.

    ``complaints`` is the complaints service's 12-month figures (omitted when None);
    ``coupons`` the unit's active coupons (omitted when empty), each given its claim link.
    """
    code = merchant.get("store_code")
    page = {
        "store_code": code,
        "merchant_id": merchant["_id"],
        "name": merchant["name"],
        "unit_type": merchant["unit_type"],
        "unit_type_label": UNIT_TYPES.get(merchant["unit_type"], merchant["unit_type"]),
        "industry": merchant["industry"],
        "industry_label": INDUSTRIES.get(merchant["industry"], merchant["industry"]),
        "region": merchant["region"],
        "address": merchant["address"],
        "location": _location(merchant.get("location")),
        "status": merchant["status"],
        "badge": badge_of(merchant["status"]),
        "stars": min(max(merchant.get("stars") or 0, 0), 5),
        "stars_set_by_regulator": override_of(merchant.get("stars_override")),
        "rating": rating_of(merchant.get("rating")),
        "licences": licences_of(merchant.get("licences") or [], today),
        "commitments": commitments_of(merchant.get("commitments") or {}),
        "hotline": HOTLINE,
        "complaint_url": links.complaint_url(code) if code else None,
        "rate_url": links.rate_url(code) if code else None,
        "red_listed": bool(merchant.get("red_listed")),
        "black_listed": bool(merchant.get("black_listed")),
        "trust_grade": grade_of((merchant.get("trust") or {}).get("grade")),
        "updated_at": merchant.get("updated_at"),
    }
    if complaints is not None:
        page["complaints"] = dict(complaints)
    if coupons:
        page["coupons"] = [coupon_of(coupon, code, links) for coupon in coupons]
    return page


def override_of(override):
    """A regulator's stars as the page tells them: the reason and when (not who)."""
    return {"reason": override.get("reason"), "at": override["at"]} if override else None


def rating_of(rating):
    """Count and average (1 decimal, half up as people round; None before the first rating)."""
    count = (rating or {}).get("count") or 0
    if count <= 0:
        return {"count": 0, "average": None}
    average = (Decimal(rating["total"]) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return {"count": count, "average": float(average)}


def licences_of(licences, today):
    return [{
        "kind": licence["kind"],
        "kind_label": LICENCE_KINDS.get(licence["kind"], licence["kind"]),
        "number": licence["number"],
        "valid_until": licence["valid_until"],
        "expired": date.fromisoformat(licence["valid_until"]) < today,
    } for licence in licences if licence["kind"] not in PERSONAL_LICENCE_KINDS]


def commitments_of(commitments):
    """Only the promises the unit makes, each with its zh-CN wording."""
    shown = []
    days = commitments.get("no_reason_return_days") or 0
    if days > 0:
        shown.append({"key": "no_reason_return_days", "label_zh": f"线下购物{days}天无理由退货",
                      "days": days})
    for key, label in BOOLEAN_COMMITMENTS.items():
        if commitments.get(key) is True:
            shown.append({"key": key, "label_zh": label})
    return shown


def _location(location):
    if not location:
        return None
    return {"lng": location["lng"], "lat": location["lat"]}


