"""Where a unit is listed, and which key ranges a regulator's list reads; free of I/O.

Every list and schedule of the registry is a range of one composite key field
(``plumbing.keys``), present only on the units that list holds:

| field | key | holds |
|---|---|---|
| ``k_region2/4/6`` | province / city / county, created_at, id | every unit (regulators) |
| ``k_status2/4/6`` | status, the same | every unit, by status |
| ``k_pool2/4/6`` | pool, the same | units in a pool |
| ``k_public`` | county, name, id | certified and warned units: public search |
| ``k_industry`` | industry, county, name, id | the same, by industry |
| ``k_type`` | unit type, county, name, id | the same, by unit type |
| ``k_geo`` | geohash, id | the same, located: search near a point |
| ``k_spot`` | county, a random draw, id | the same: spot-check samples |
| ``k_licence`` | earliest licence end, id | certified: the licence-expiry scan |
| ``k_red`` / ``k_black`` | name, id | red and black lists |

Public keys put the county before the name, so a search within a county is in name order, and
one within a city or province goes county by county, each in name order; a region filter of
any level is then one range (the prefix ends inside the county part).
"""
import hashlib

import pygeohash

from plumbing.actors import jurisdiction_of
from plumbing.keys import key, prefix, region_keys, region_prefix, text_part
from plumbing.pagination import KeyRange
from services.registry.certification import PUBLIC_STATUSES

GEOHASH_PRECISION = 7
FILTERS = ("status", "pool", "industry")


def keys_of(merchant):
    merchant_id, region, status, pool = (merchant["_id"], merchant["region"],
                                         merchant["status"], merchant.get("pool"))
    listed = merchant["created_at"], merchant_id
    public = status in PUBLIC_STATUSES
    return {
        **region_keys("k_region", region, *listed),
        **region_keys("k_status", region, *listed, lead=(status,)),
        **{field: value if pool else None
           for field, value in region_keys("k_pool", region, *listed, lead=(pool,)).items()},
        **{field: value if public else None for field, value in _public_keys(merchant).items()},
        "k_licence": _licence_key(merchant) if status == "certified" else None,
        "k_red": _named_key("k_red", merchant) if merchant.get("red_listed") else None,
        "k_black": _named_key("k_black", merchant) if merchant.get("black_listed") else None,
    }


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
    "pool": "star", "industry": "i", "unit_type": "u", "location": {"lng": 120.0, "lat": 30.0},
    "licences": [{"valid_until": "2030-01-01"}], "red_listed": True, "black_listed": True}))


def list_ranges(actor, query):
    """``(ranges, accept)`` of ``GET /api/v1/merchants`` for a regulator: newest applications
    first within its jurisdiction (or the narrower ``region`` it asks for)."""
    within = jurisdiction_of(actor, query.get("region"))
    if query.get("status"):
        field, first = region_prefix("k_status", within, query["status"])
    elif query.get("pool"):
        field, first = region_prefix("k_pool", within, query["pool"])
    else:
        field, first = region_prefix("k_region", within)
    accept = None
    if query.get("status") and query.get("pool"):
        accept = lambda merchant, pool=query["pool"]: merchant.get("pool") == pool
    if query.get("industry"):
        accept = _and(accept, lambda merchant, wanted=query["industry"]:
                      merchant["industry"] == wanted)
    return [KeyRange(field, first)], accept


def _and(first, second):
    return second if first is None else (lambda document: first(document) and second(document))


def spot_check_keys(task):
    return {**region_keys("k_region", task["region"], task["assigned_at"], task["_id"]),
            **region_keys("k_status", task["region"], task["assigned_at"], task["_id"],
                          lead=(task["status"],))}


SPOT_CHECK_KEY_FIELDS = tuple(spot_check_keys({"region": "330106", "assigned_at": "t",
                                               "_id": "x", "status": "assigned"}))


def spot_check_ranges(actor, query):
    within = jurisdiction_of(actor)
    if query.get("status"):
        return [KeyRange(*region_prefix("k_status", within, query["status"]))]
    return [KeyRange(*region_prefix("k_region", within))]


def public_list_range(kind):
    field = {"red": "k_red", "black": "k_black"}[kind]
    return KeyRange(field, prefix(field))
