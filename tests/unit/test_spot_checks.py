"""Random spot checks (services/registry/spot_checks.py), without I/O."""
import random
from collections import Counter
from datetime import datetime, timezone

import pytest

from plumbing.actors import Actor
from plumbing.clock import to_rfc3339
from plumbing.errors import DomainError
from services.registry.spot_checks import complete, sample_per_county

NOW = to_rfc3339(datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc))
STATION = Actor(sub="station-1", role="regulator", region="350102", level="station")


def units(per_county):
    """``{county: n}`` → n units in each county."""
    return [{"_id": f"{county}-{i:02d}", "name": f"店{i}", "region": county}
            for county, n in per_county.items() for i in range(n)]


POPULATION = units({"350102": 10, "350103": 3, "350104": 1, "350203": 6})


# --- sampling -----------------------------------------------------------------------------------

@pytest.mark.parametrize("sample_size, expected", [
    (1, {"350102": 1, "350103": 1, "350104": 1, "350203": 1}),
    (2, {"350102": 2, "350103": 2, "350104": 1, "350203": 2}),
    (5, {"350102": 5, "350103": 3, "350104": 1, "350203": 5}),
    (50, {"350102": 10, "350103": 3, "350104": 1, "350203": 6}),
])
def test_sample_is_capped_per_county_and_covers_every_county(sample_size, expected):
    sample = sample_per_county(POPULATION, sample_size, random.Random(7))
    assert Counter(u["region"] for u in sample) == expected
    assert len({u["_id"] for u in sample}) == len(sample)  # no unit drawn twice


@pytest.mark.parametrize("seed", [0, 1, 42])
def test_sample_is_deterministic_for_a_seed_whatever_the_input_order(seed):
    shuffled = list(POPULATION)
    random.Random(99).shuffle(shuffled)
    first = sample_per_county(POPULATION, 2, random.Random(seed))
    again = sample_per_county(shuffled, 2, random.Random(seed))
    assert [u["_id"] for u in first] == [u["_id"] for u in again]


def test_sample_differs_between_seeds():
    drawn = {tuple(u["_id"] for u in sample_per_county(POPULATION, 3, random.Random(seed)))
             for seed in range(10)}
    assert len(drawn) > 1


def test_sample_lists_counties_in_order():
    regions = [u["region"] for u in sample_per_county(POPULATION, 2, random.Random(3))]
    assert regions == sorted(regions)


def test_sample_of_nothing_is_empty():
    assert sample_per_county([], 3, random.Random(1)) == []


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
