"""Public search (services/registry/search.py), without I/O."""
import math
import re

import pytest

from services.registry.search import (bounding_box, distance_m, listing, nearest_first,
                                      public_query)

PUBLIC = {"status": {"$in": ["certified", "warned"]}}


def matches(pattern, text):
    """How the store reads a ``$regex``: a search anywhere in the string."""
    return re.search(pattern, text) is not None


# --- the query ----------------------------------------------------------------------------------

def test_no_filters_shows_only_public_units():
    assert public_query({}) == PUBLIC


@pytest.mark.parametrize("region, prefix", [
    ("350102", "^350102"), ("350100", "^3501"), ("350000", "^35"),
])
def test_region_filters_by_prefix_without_trailing_zero_pairs(region, prefix):
    assert public_query({"region": region})["region"] == {"$regex": prefix}


@pytest.mark.parametrize("region, inside, outside", [
    ("350100", "350102", "350203"), ("350000", "350203", "330106"),
])
def test_region_prefix_matches_the_units_within(region, inside, outside):
    pattern = public_query({"region": region})["region"]["$regex"]
    assert matches(pattern, inside) and not matches(pattern, outside)


def test_industry_and_unit_type_are_exact_filters():
    query = public_query({"industry": "catering", "unit_type": "store"})
    assert query == {**PUBLIC, "industry": "catering", "unit_type": "store"}


@pytest.mark.parametrize("commitment, clause", [
    ("no_reason_return", {"commitments.no_reason_return_days": {"$gt": 0}}),
    ("cross_store_return", {"commitments.cross_store_return": True}),
    ("price_guarantee", {"commitments.price_guarantee": True}),
])
def test_commitment_filters(commitment, clause):
    assert public_query({"commitment": commitment}) == {**PUBLIC, **clause}


@pytest.mark.parametrize("keyword, name, found", [
    ("小吃", "鼓楼小吃店", True),
    (".*", "鼓楼小吃店", False),
    (".*", "店名.*特价", True),
    ("(a+)+$", "aaaa(a+)+$", True),
    ("[店]", "鼓楼小吃店", False),
])
def test_keyword_is_matched_literally(keyword, name, found):
    query = public_query({"q": keyword})
    name_clause, address_clause = query["$or"]
    assert matches(name_clause["name"]["$regex"], name) is found
    assert address_clause["address"]["$regex"] == name_clause["name"]["$regex"]


def test_keyword_searches_name_or_address():
    query = public_query({"q": "东街"})
    assert [list(clause) for clause in query["$or"]] == [["name"], ["address"]]


def test_near_adds_a_bounding_box():
    query = public_query({"near": (119.3, 26.07), "radius_m": 1000})
    assert query == {**PUBLIC, **bounding_box(119.3, 26.07, 1000)}


def test_bounding_box_encloses_the_radius():
    box = bounding_box(119.3, 26.07, 1000)
    lat, lng = box["location.lat"], box["location.lng"]
    assert lat["$gte"] < 26.07 < lat["$lte"] and lng["$gte"] < 119.3 < lng["$lte"]
    assert distance_m(119.3, 26.07, 119.3, lat["$lte"]) == pytest.approx(1000, rel=0.01)
    assert distance_m(119.3, 26.07, lng["$lte"], 26.07) == pytest.approx(1000, rel=0.01)
    # longitude degrees are shorter away from the equator, so the box is wider in degrees
    assert lng["$lte"] - 119.3 > lat["$lte"] - 26.07


def in_box(box, lng, lat):
    return all(bounds["$gte"] <= value <= bounds["$lte"]
               for bounds, value in ((box["location.lng"], lng), (box["location.lat"], lat)))


@pytest.mark.parametrize("bearing", ["north", "east"])
def test_bounding_box_keeps_every_unit_within_the_radius(bearing):
    lng, lat, radius = 119.3, 26.07, 1000
    step = 999.5 / 111_195  # degrees of latitude for 999.5 m at R = 6371 km
    target = (lng, lat + step) if bearing == "north" else (
        lng + step / math.cos(math.radians(lat)), lat)
    assert distance_m(lng, lat, *target) <= radius
    assert in_box(bounding_box(lng, lat, radius), *target)


# --- distances ----------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, metres", [
    ((119.3, 26.0), (119.3, 26.0), 0),
    ((119.3, 26.0), (119.3, 26.01), 1112),     # 0.01° of latitude
    ((0.0, 0.0), (0.01, 0.0), 1112),           # 0.01° of longitude on the equator
    ((120.0, 60.0), (120.02, 60.0), 1112),     # 0.02° of longitude at 60°: half as long
    ((0.0, 0.0), (0.0, 1.0), 111195),
])
def test_known_distances(a, b, metres):
    assert round(distance_m(*a, *b)) == pytest.approx(metres, abs=1)


def test_distance_is_symmetric():
    assert distance_m(119.29, 26.07, 119.31, 26.09) == pytest.approx(
        distance_m(119.31, 26.09, 119.29, 26.07))


def unit(_id, lng=None, lat=None, **extra):
    location = {"lng": lng, "lat": lat} if lng is not None else extra.pop("location", None)
    return {"_id": _id, "name": _id, "location": location, **extra}


def test_nearest_first_sorts_and_cuts_at_the_radius():
    centre = (119.3, 26.0)
    units = [unit("far", 119.3, 26.02),   # ≈ 2224 m
             unit("b", 119.3, 26.005),    # ≈ 556 m
             unit("a", 119.3, 26.001),    # ≈ 111 m
             unit("edge", 119.3, 25.99)]  # ≈ 1112 m
    found = nearest_first(units, *centre, radius_m=1200)
    assert [(u["_id"], u["distance_m"]) for u in found] == [("a", 111), ("b", 556),
                                                           ("edge", 1112)]


def test_nearest_first_breaks_ties_by_id():
    units = [unit("z", 119.3, 26.001), unit("m", 119.3, 25.999)]
    assert [u["_id"] for u in nearest_first(units, 119.3, 26.0, 500)] == ["m", "z"]


@pytest.mark.parametrize("location", [None, {}, {"address": "x"}])
def test_nearest_first_skips_units_without_location(location):
    units = [unit("none", location=location), unit("here", 119.3, 26.0)]
    assert [u["_id"] for u in nearest_first(units, 119.3, 26.0, 100)] == ["here"]


def test_nearest_first_leaves_the_input_units_alone():
    units = [unit("a", 119.3, 26.0)]
    nearest_first(units, 119.3, 26.0, 100)
    assert "distance_m" not in units[0]


# --- listing ------------------------------------------------------------------------------------

def test_listing_shows_public_fields_and_never_the_phone():
    stored = {"_id": "m-1", "name": "店", "unit_type": "store", "industry": "catering",
              "region": "350102", "address": "东街 1 号", "location": {"lng": 1, "lat": 2},
              "status": "certified", "stars": 2, "store_code": "abc", "commitments": {},
              "red_listed": False, "black_listed": False, "distance_m": 10,
              "contact_phone": "13800138000", "credit_code": "91350100M000100Y43",
              "licences": [], "history": [], "version": 3}
    shown = listing(stored)
    assert "contact_phone" not in shown
    assert set(shown) == {"merchant_id", "name", "unit_type", "industry", "region", "address",
                          "location", "status", "stars", "store_code", "commitments",
                          "red_listed", "black_listed", "distance_m"}
    assert shown["merchant_id"] == "m-1"


def test_listing_omits_absent_fields():
    assert listing({"_id": "m-1", "name": "店", "contact_phone": "13800138000"}) == {
        "merchant_id": "m-1", "name": "店"}
