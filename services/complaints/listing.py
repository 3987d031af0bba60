"""Where a complaint is listed, and which key ranges a list reads; free of I/O.

Every list and every schedule of complaints is a range of one composite key field
(``plumbing.keys``), present only on the complaints that list holds:

| field | key | holds |
|---|---|---|
| ``k_consumer`` | consumer, filed_at, id | every complaint, for its consumer |
| ``k_merchant`` | merchant, filed_at, id | every complaint, for its merchant |
| ``k_filed`` | filed_at, id | every complaint (the hot spots' window) |
| ``k_status2/4/6`` | status, province / city / county, filed_at, id | regulators' lists |
| ``k_public`` | merchant, filed_at, id | consented, not flagged: public summaries |
| ``k_due`` | due time, id | open with a due deadline: the scan that ends overdue states |
| ``k_pending`` | pending year, id | open with a pending deadline: computed once covered |
| ``k_remind`` | deadline, id | answer or decision not yet reminded of: the reminder scan |
| ``k_closed2/4/6`` | province / city / county, closed_at, id | closed: the open-data files |

A regulator's list of every status merges the ranges of the statuses. ``k_closed`` holds the
closing time as stored (RFC 3339 UTC, whose text order is time order): a day in China is the
UTC range from its 00:00+08:00 (``plumbing.clock.china_day_range``).
"""
from datetime import date, timedelta

from plumbing.actors import covers, jurisdiction_of, jurisdiction_prefix
from plumbing.errors import forbidden
from plumbing.keys import key, prefix, region_keys, region_prefix
from plumbing.pagination import KeyRange
from services.complaints import deadlines, lifecycle

FILTERS = ("status", "merchant_id", "category")
STATUSES = ("forwarded", "responded", "mediation", "closed", "flagged")


def keys_of(complaint):
    at, complaint_id = complaint["filed_at"], complaint["_id"]
    status, merchant = complaint["status"], complaint["merchant_id"]
    due, pending = deadlines.due_at(complaint), deadlines.pending_year(complaint)
    remind = lifecycle.reminder_due_at(complaint)
    public = lifecycle.is_published(complaint)
    return {
        "k_consumer": key("k_consumer", complaint["consumer"], at, complaint_id),
        "k_merchant": key("k_merchant", merchant, at, complaint_id),
        "k_filed": key("k_filed", at, complaint_id),
        **region_keys("k_status", complaint["region"], at, complaint_id, lead=(status,)),
        **_closed_keys(complaint),
        "k_public": key("k_public", merchant, at, complaint_id) if public else None,
        "k_due": key("k_due", due, complaint_id) if due else None,
        "k_pending": key("k_pending", str(pending), complaint_id) if pending else None,
        "k_remind": key("k_remind", remind, complaint_id) if remind else None,
    }


def _closed_keys(complaint):
    keys = region_keys("k_closed", complaint["region"], complaint.get("closed_at"),
                       complaint["_id"])
    closed = complaint["status"] == "closed" and complaint.get("closed_at")
    return keys if closed else dict.fromkeys(keys)


def closed_range(region, start, end):
    """The range of the complaints of ``region`` (a province, city or county code) closed from
    ``start`` (included) to ``end`` (excluded), RFC 3339 UTC texts."""
    field, first = region_prefix("k_closed", jurisdiction_prefix(region))
    return KeyRange(field, first, start, end)


KEY_FIELDS = tuple(keys_of({
    "_id": "x", "filed_at": "t", "status": "forwarded", "merchant_id": "m", "consumer": "c",
    "region": "330106", "public_consent": True, "deadline_at": "t",
    "deadlines": {"response": {"pending_year": 2027}}}))


def filed_period(query):
    """Suffix bounds of a query's ``from`` and ``to`` days (both included) on keys whose
    suffix starts with ``filed_at``."""
    start = query.get("from_") or ""
    end = None
    if query.get("to"):
        end = (date.fromisoformat(query["to"]) + timedelta(days=1)).isoformat()
    return start, end


def list_ranges(actor, query):
    """``(ranges, accept)`` of ``GET /api/v1/complaints`` for ``actor``: the key ranges its
    scope and filters make, and the check of what the key does not hold (None: nothing). No
    ranges when no complaint can match (a merchant asking for another merchant's)."""
    start, end = filed_period(query)
    wanted = {name: query[name] for name in FILTERS if query.get(name)}
    keys, implied = _scope_keys(actor, wanted)
    ranges = [KeyRange(field, first, start, end) for field, first in keys]
    unchecked = {name: value for name, value in wanted.items() if name not in implied}
    in_scope = _scope_check(actor, implied)
    if not unchecked and in_scope is None:
        return ranges, None
    return ranges, lambda complaint: (
        all(complaint.get(name) == value for name, value in unchecked.items())
        and (in_scope is None or in_scope(complaint)))


def _scope_keys(actor, wanted):
    """([(field, prefix)], filters the keys imply) of the narrowest keys within the scope."""
    if actor.role == "consumer":
        return [("k_consumer", prefix("k_consumer", actor.sub))], ()
    if actor.role == "merchant":
        if wanted.get("merchant_id", actor.merchant_id) != actor.merchant_id:
            return [], ()
        return [("k_merchant", prefix("k_merchant", actor.merchant_id))], ("merchant_id",)
    if actor.role == "regulator":
        return _regulator_keys(jurisdiction_of(actor), wanted)
    raise forbidden()


def _regulator_keys(jurisdiction, wanted):
    if "merchant_id" in wanted:
        return [("k_merchant", prefix("k_merchant", wanted["merchant_id"]))], ("merchant_id",)
    statuses = [wanted["status"]] if "status" in wanted else STATUSES
    return [region_prefix("k_status", jurisdiction, status) for status in statuses], (
        "status",)


def _scope_check(actor, implied):
    """What a complaint found under the chosen key must still pass to be in the scope."""
    if actor.role == "regulator" and "merchant_id" in implied:
        return lambda complaint: covers(actor.region, complaint["region"])
    return None
