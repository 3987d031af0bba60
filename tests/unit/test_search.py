"""Public search (services/registry/search.py), without I/O."""
import math
import random

import pytest

from plumbing.errors import DomainError
from plumbing.keys import prefix
from services.registry import search
from services.registry.search import (
    cells_nearest_first,
    distance_m,
    listing,
    matches,
    query_words,
    words_of,
)

# --- words --------------------------------------------------------------------------------------

def test_words_are_the_bigrams_of_each_run_of_letters_and_whole_numbers():
    assert words_of("湖滨小吃", "西湖路 128号 1楼") == sorted(
        {"湖滨", "滨小", "小吃", "西湖", "湖路", "128"})


def test_words_fold_case_and_width():
    assert words_of("ＫＦＣ Coffee") == words_of("kfc coffee") == sorted(
        {"kf", "fc", "co", "of", "ff", "fe", "ee"})


@pytest.mark.parametrize("q", ["店", "a", " 店 ", "!!", "店 铺", "1号"])
def test_a_query_without_two_letters_in_a_row_is_422(q):
    with pytest.raises(DomainError) as caught:
        query_words(q)
    assert (caught.value.status, caught.value.code) == (422, "VALIDATION_ERROR")
    assert "q" in caught.value.details


@pytest.mark.parametrize("q, unit, found", [
    ("小吃", {"name": "鼓楼小吃店"}, True),
    ("小吃店", {"name": "鼓楼小吃 店"}, False),       # the words must stand together
    ("湖滨 小吃", {"name": "湖滨饭店", "address": "小吃街"}, True),
    ("湖滨 面馆", {"name": "湖滨饭店", "address": "小吃街"}, False),
    ("KFC", {"name": "kfc 西湖店"}, True),
    ("(特价).*", {"name": "店名.*特价"}, True),       # only letters and digits count
    ("名特", {"name": "店名.*特价"}, False),
    ("东街", {"name": "店", "address": None}, False),
])
def test_a_unit_matches_when_its_name_or_address_holds_every_part(q, unit, found):
    assert matches(q, unit) is found


def test_postings_only_for_public_units_one_per_word():
    counted = {"id": "m1", "status": "certified", "region": "330106", "name": "湖滨小吃",
               "address": "湖滨路", "public": True}
    postings = search.postings_of(counted)
    assert set(postings) == {f"{w}|m1" for w in ("湖滨", "滨小", "小吃", "滨路")}
    assert words_of("文三路913号") == ["913", "三路", "文三"]
    assert postings["小吃|m1"] == "k_term|小吃|330106|湖滨小吃|m1"
    assert search.postings_of({**counted, "public": False}) == {}
    assert search.word_of_posting("小吃|m1") == "小吃"
    assert search.unit_of_posting("小吃|m1") == "m1"


def test_the_rarest_word_is_read():
    assert search.rarest({"湖滨": 40, "小吃": 3, "滨小": 3}) == "小吃"


# --- which key a search reads -------------------------------------------------------------------

@pytest.mark.parametrize("filters, field, first", [
    ({}, "k_public", "k_public|"),
    ({"region": "330100"}, "k_public", "k_public|3301"),
    ({"region": "330106", "industry": "catering"}, "k_industry", "k_industry|catering|330106"),
    ({"unit_type": "store", "region": "330000"}, "k_type", "k_type|store|33"),
    ({"industry": "catering", "unit_type": "store"}, "k_industry", "k_industry|catering|"),
])
def test_a_search_reads_the_narrowest_key(filters, field, first):
    chosen, _ = search.key_range(filters)
    assert (chosen.field, chosen.prefix) == (field, first)


def test_what_the_key_does_not_hold_is_checked():
    _, accept = search.key_range({"industry": "catering", "unit_type": "store",
                                  "commitment": "no_reason_return"})
    unit = {"industry": "catering", "unit_type": "store", "region": "330106",
            "commitments": {"no_reason_return_days": 7}}
    assert accept(unit)
    assert not accept({**unit, "unit_type": "market"})
    assert not accept({**unit, "commitments": {"no_reason_return_days": 0}})
    assert search.key_range({"region": "330106"})[1] is None


@pytest.mark.parametrize("commitment, commitments, held", [
    ("no_reason_return", {"no_reason_return_days": 7}, True),
    ("no_reason_return", {"no_reason_return_days": 0}, False),
    ("cross_store_return", {"cross_store_return": True}, True),
    ("advance_compensation", {}, False),
])
def test_commitments(commitment, commitments, held):
    assert search.holds_commitment({"commitments": commitments}, commitment) is held


def test_a_keyword_reads_the_postings_of_its_word_within_the_region():
    word_range, accept = search.word_range("小吃", {"region": "330100", "q": "小吃"})
    assert (word_range.field, word_range.prefix) == ("k", prefix("k_term", "小吃") + "3301")
    assert accept({"name": "小吃店", "region": "330106"})
    assert not accept({"name": "饭店", "region": "330106"})


# --- cells around a point -----------------------------------------------------------------------

@pytest.mark.parametrize("radius", [50, 1000, 4000])
def test_cells_come_nearest_first_and_hold_every_point_within_the_radius(radius):
    lng, lat = 120.1551, 30.2741
    cells = list(cells_nearest_first(lng, lat, radius))
    assert [c[0] for c in cells] == sorted(c[0] for c in cells)
    assert len({c[2] for c in cells}) == len(cells)
    chance = random.Random(radius)
    for _ in range(300):
        bearing, metres = chance.uniform(0, 2 * math.pi), chance.uniform(0, radius)
        dlat = math.degrees(metres * math.cos(bearing) / search.EARTH_RADIUS_M)
        dlng = math.degrees(metres * math.sin(bearing) / search.EARTH_RADIUS_M) / math.cos(
            math.radians(lat))
        point = (lng + dlng, lat + dlat)
        if distance_m(lng, lat, *point) <= radius:
            cell = search.pygeohash.encode(point[1], point[0], search.CELL_PRECISION)
            nearest = next(c[0] for c in cells if c[2] == cell)
            assert nearest <= distance_m(lng, lat, *point) + 0.01


def test_nearness_cursors_order_like_distances():
    texts = [search.nearness_suffix(m, "id") for m in (0.0, 9.5, 10.0, 999.999, 50000.0)]
    assert texts == sorted(texts)
    assert search.parse_nearness(texts[2]) == (10.0, "id")


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
