"""Random spot checks (services/registry/spot_checks.py), without I/O."""
import random
from collections import Counter
from datetime import UTC, datetime

import pytest

from plumbing.actors import Actor
from plumbing.clock import to_rfc3339
from plumbing.errors import DomainError
from services.registry import spot_checks
from services.registry.spot_checks import complete, draw_county, new_draw

NOW = to_rfc3339(datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
STATION = Actor(sub="station-1", role="regulator", region="350102", level="station")


class County:
    """A county's units in their random order of draws, as the store serves them."""

    def __init__(self, n, seed=5, status="certified"):
        chance = random.Random(seed)
        self.units = sorted(({"_id": f"u{i:03d}", "status": status,
                              "place": f"{chance.getrandbits(32):08x}"} for i in range(n)),
                            key=lambda u: (u["place"], u["_id"]))
        self.reads = 0

    def redraw(self, unit, place):
        unit["place"] = place
        self.units.sort(key=lambda u: (u["place"], u["_id"]))

    def first_from(self, place, after):
        self.reads += 1
        if not self.units:
            return None
        key = (place, "") if after is None else (after["place"], after["_id"] + "\x00")
        later = [u for u in self.units if (u["place"], u["_id"]) >= key]
        return (later or self.units)[0]


@pytest.mark.parametrize("n, wanted", [(1, 1), (3, 3), (10, 10), (10, 9), (50, 5), (2700, 10)])
def test_a_draw_gives_distinct_units_as_many_as_asked(n, wanted):
    county = County(n)
    drawn = draw_county(county.first_from, wanted, random.Random(n))
    assert len(drawn) == len({u["_id"] for u in drawn}) == wanted
    assert county.reads <= 4 * wanted + 8      # never the whole county


def test_with_new_places_after_each_draw_units_are_drawn_about_evenly():
    county, counts = County(20, seed=11), Counter()
    chance = random.Random(3)
    for _ in range(4000):
        for unit in draw_county(county.first_from, 1, chance):
            counts[unit["_id"]] += 1
            county.redraw(unit, new_draw(chance))
    assert set(counts) == {u["_id"] for u in county.units}
    assert max(counts.values()) < 2 * min(counts.values())  # 200 each on average


def test_units_a_check_may_not_take_are_not_drawn():
    assert draw_county(County(5, status="suspended").first_from, 3, random.Random(1)) == []


def test_an_empty_county_gives_nothing():
    assert draw_county(County(0).first_from, 3, random.Random(1)) == []


def test_new_places_are_eight_hex_digits():
    place = new_draw(random.Random(1))
    assert len(place) == 8 and int(place, 16) >= 0


# --- results ------------------------------------------------------------------------------------

def task(status="assigned"):
    return {"_id": "t-1", "batch_id": "b-1", "merchant_id": "m-1", "region": "350102",
            "status": status, "result": None}


def merchant(status):
    return {"_id": "m-1", "name": "鼓楼小吃", "region": "350102", "industry": "catering",
            "status": status, "stars": 0, "history": []}


def test_complete_records_the_result():
    fields, _ = complete(task(), merchant("certified"), STATION, "pass", "良好", NOW)
    assert fields == {"status": "completed", "result": "pass", "notes": "良好",
                      "completed_by": "station-1", "completed_at": NOW}


@pytest.mark.parametrize("result, before, after", [
    ("pass", "certified", None),
    ("pass", "warned", None),
    ("warn", "certified", "warned"),
    ("warn", "warned", None),       # warned again: nothing to do
    ("fail", "certified", "delisted"),
    ("fail", "warned", "delisted"),
    ("warn", "suspended", None),    # only certified and warned units are checked
    ("fail", "delisted", None),
])
def test_complete_consequence_for_the_merchant(result, before, after):
    _, change = complete(task(), merchant(before), STATION, result, None, NOW)
    if after is None:
        assert change is None
        return
    assert change.fields["status"] == after
    assert change.events[0][0] == "merchant_status_changed"
    assert change.events[0][1]["from"] == before and change.events[0][1]["to"] == after


@pytest.mark.parametrize("result, notes, reason", [
    ("warn", "价签缺失", "抽查警示: 价签缺失"),
    ("warn", None, "抽查警示"),
    ("fail", "", "抽查不合格"),
])
def test_complete_reason_names_the_result(result, notes, reason):
    _, change = complete(task(), merchant("certified"), STATION, result, notes, NOW)
    assert change.fields["history"][-1] == {"at": NOW, "from": "certified",
                                            "to": change.fields["status"],
                                            "by": "station-1", "reason": reason}


@pytest.mark.parametrize("result", ["pass", "warn", "fail"])
def test_a_second_result_is_409(result):
    with pytest.raises(DomainError) as caught:
        complete(task("completed"), merchant("certified"), STATION, result, None, NOW)
    assert (caught.value.code, caught.value.status) == ("WRONG_STATE", 409)


@pytest.mark.parametrize("actor, code", [
    (Actor(sub="x", role="regulator", region="350103", level="city"), "OUT_OF_JURISDICTION"),
    (Actor(sub="x", role="merchant", merchant_id="m-1"), "FORBIDDEN"),
])
def test_complete_needs_a_regulator_over_the_unit(actor, code):
    with pytest.raises(DomainError) as caught:
        complete(task(), merchant("certified"), actor, "pass", None, NOW)
    assert (caught.value.code, caught.value.status) == (code, 403)


def test_a_spot_check_proposed_for_a_held_settlement_is_one_per_campaign_and_merchant():
    unit = {"_id": "m-1", "name": "湖滨小吃店", "region": "330106"}
    first = spot_checks.proposed_task("cp-1", unit, "2026-12-04T02:00:00.000000Z")
    again = spot_checks.proposed_task("cp-1", unit, "2026-12-04T03:00:00.000000Z")
    other = spot_checks.proposed_task("cp-2", unit, "2026-12-04T02:00:00.000000Z")
    assert first["_id"] == again["_id"] != other["_id"]
    assert (first["batch_id"], first["assigned_by"], first["status"]) == (
        "cash-out:cp-1", spot_checks.CASH_OUT_CHECKS, "assigned")
