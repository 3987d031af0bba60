"""Where a unit is listed, and which key ranges a regulator's list reads; free of I/O.

Every list and schedule of the registry is a range of one composite key field
(``plumbing.keys``), present only on the units that list holds:

| field | key | holds |
|---|---|---|
| ``k_status2/4/6`` | status, province / city / county, created_at, id | every unit (regulators) |
| ``k_public`` | county, name, id | certified and warned units: public search |
| ``k_industry`` | industry, county, name, id | the same, by industry |
| ``k_type`` | unit type, county, name, id | the same, by unit type |
| ``k_geo`` | geohash, id | the same, located: search near a point |
| ``k_spot`` | county, a random draw, id | the same: spot-check samples |
| ``k_licence`` | earliest licence end, id | certified: the licence-expiry scan |
| ``k_red`` / ``k_black`` | name, id | red and black lists |
| ``k_review`` | last re-evaluation (or certification), id | the yearly re-evaluation |
| ``k_regrade`` | next periodic regrade, id | graded units: the grade's decay |

A regulator's list of every status, or of a pool, merges the ranges of its statuses. Public keys
put the county before the name, so a search within a county is in name order, and
one within a city or province goes county by county, each in name order; a region filter of
any level is then one range (the prefix ends inside the county part).
"""
import hashlib

import pygeohash

from plumbing.actors import jurisdiction_of
from plumbing.keys import key, prefix, region_keys, region_prefix, text_part
from plumbing.pagination import KeyRange
from services.registry import grading
from services.registry.certification import PUBLIC_STATUSES
from services.registry.domain import SELECTION_STATUSES

GEOHASH_PRECISION = 7
STATUSES = ("pending_onsite", "pending_county", "pending_final", "rejected", "certified",
            "warned", "suspended", "delisted")
POOL_STATUSES = {"selection": sorted(SELECTION_STATUSES), "cultivation": ("certified",),
                 "star": ("certified",), "warning": ("warned",)}


def keys_of(merchant):
    merchant_id, region, status = merchant["_id"], merchant["region"], merchant["status"]
    listed = merchant["created_at"], merchant_id
    public = status in PUBLIC_STATUSES
    return {
        **region_keys("k_status", region, *listed, lead=(status,)),
        **{field: value if public else None for field, value in _public_keys(merchant).items()},
        "k_licence": _licence_key(merchant) if status == "certified" else None,
        "k_red": _named_key("k_red", merchant) if merchant.get("red_listed") else None,
        "k_black": _named_key("k_black", merchant) if merchant.get("black_listed") else None,
        "k_review": _review_key(merchant) if status in PUBLIC_STATUSES else None,
        "k_regrade": _regrade_key(merchant),
    }


def _regrade_key(merchant):
    due = grading.next_regrade_at(merchant)
    return key("k_regrade", due, merchant["_id"]) if due else None


def _review_key(merchant):
    """The yearly re-evaluation's scan: by what it is counted from (re_evaluation.py)."""
    since = merchant.get("reviewed_at") or merchant.get("certified_at")
    return key("k_review", since, merchant["_id"]) if since else None


def _public_keys(merchant):
    merchant_id, region, name = merchant["_id"], merchant["region"], text_part(merchant["name"])
    location = merchant.get("location")
    return {"k_public": key("k_public", region, name, merchant_id),
            "k_industry": key("k_industry", merchant["industry"], region, name, merchant_id),
            "k_type": key("k_type", merchant["unit_type"], region, name, merchant_id),
            "k_spot": key("k_spot", region, spot_draw_of(merchant), merchant_id),
            "k_geo": key("k_geo", pygeohash.encode(location["lat"], location["lng"],
                                                   GEOHASH_PRECISION), merchant_id)
            if location else None}


def spot_draw_of(merchant):
    """The unit's place in its county's random order of spot-check draws: drawn at random
    when it applies and again each time it is sampled; a unit stored before draws existed
    takes one from its id."""
    return merchant.get("spot_draw") or hashlib.sha1(merchant["_id"].encode()).hexdigest()[:8]


def _licence_key(merchant):
    if not merchant.get("licences"):
        return None
    earliest = min(licence["valid_until"] for licence in merchant["licences"])
    return key("k_licence", earliest, merchant["_id"])


def _named_key(field, merchant):
    return key(field, text_part(merchant["name"]), merchant["_id"])


KEY_FIELDS = tuple(keys_of({
    "_id": "x", "region": "330106", "name": "n", "created_at": "t", "status": "certified",
    "industry": "i", "unit_type": "u", "location": {"lng": 120.0, "lat": 30.0},
    "licences": [{"valid_until": "2030-01-01"}], "red_listed": True, "black_listed": True,
    "certified_at": "2026-01-01T00:00:00.000000Z"}))


def list_ranges(actor, query):
    """``(ranges, accept)`` of ``GET /api/v1/merchants`` for a regulator: newest applications
    first within its jurisdiction (or the narrower ``region`` it asks for), of one status, of
    the statuses of a pool, or of all."""
    within = jurisdiction_of(actor, query.get("region"))
    statuses = [query["status"]] if query.get("status") else POOL_STATUSES.get(
        query.get("pool"), STATUSES)
    ranges = [KeyRange(*region_prefix("k_status", within, status)) for status in statuses]
    wanted = {name: query[name] for name in ("pool", "industry") if query.get(name)}
    if not wanted:
        return ranges, None
    return ranges, lambda merchant: all(merchant.get(name) == value
                                        for name, value in wanted.items())


SPOT_CHECK_STATUSES = ("assigned", "completed")


def spot_check_keys(task):
    return region_keys("k_status", task["region"], task["assigned_at"], task["_id"],
                       lead=(task["status"],))


SPOT_CHECK_KEY_FIELDS = tuple(spot_check_keys({"region": "330106", "assigned_at": "t",
                                               "_id": "x", "status": "assigned"}))


def spot_check_ranges(actor, query):
    within = jurisdiction_of(actor)
    statuses = [query["status"]] if query.get("status") else SPOT_CHECK_STATUSES
    return [KeyRange(*region_prefix("k_status", within, status)) for status in statuses]


def public_list_range(kind):
    field = {"red": "k_red", "black": "k_black"}[kind]
    return KeyRange(field, prefix(field))
