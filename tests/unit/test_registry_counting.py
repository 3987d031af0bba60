"""The registry's counters (services/registry/counting.py): each county counts its graded units
by the stars of their trust grade, and a region's distribution adds up its counties."""
from services.registry import counting


def unit(status="certified", stars=None, region="330106"):
    trust = {"grade": {"stars": stars}} if stars else {}
    return {"_id": "m-1", "status": status, "region": region, "name": "店", "trust": trust}


def county_of(merchant):
    return counting.contribution(counting.snapshot(merchant)).get("c|330106", {})


def test_a_graded_unit_counts_under_its_stars_in_its_county():
    assert county_of(unit(stars=4)) == {"checkable": 1, "stars_4": 1}
    assert county_of(unit()) == {"checkable": 1}
    assert county_of(unit(status="pending_onsite")) == {}


def test_a_regions_distribution_adds_up_its_counties():
    counties = [{"_id": "c|330106", "stars_5": 3, "stars_2": 1, "checkable": 4},
                {"_id": "c|330108", "stars_5": 1}]
    assert counting.grade_distribution(counties) == {
        "graded": 5, "by_stars": {"1": 0, "2": 1, "3": 0, "4": 0, "5": 4}}
