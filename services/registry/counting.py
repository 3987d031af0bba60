"""What the registry counts of each unit, free of I/O: units by status (the gauge) and, per
county, the units a spot check may draw (so a draw knows the counties and their sizes without
reading them) and the graded units by the stars of their trust grade (``stars_<n>``: the
regulators' grade distribution)."""
from plumbing.keys import key
from services.registry.certification import PUBLIC_STATUSES
from services.registry.spot_checks import CHECKED_STATUSES

COUNTERS = "registry_counters"
STATUS_GAUGE = key("g", "status")


def snapshot(merchant):
    return {"id": merchant["_id"], "status": merchant["status"], "region": merchant["region"],
            "name": merchant["name"], "address": merchant.get("address") or "",
            "public": merchant["status"] in PUBLIC_STATUSES,
            "grade_stars": ((merchant.get("trust") or {}).get("grade") or {}).get("stars")}


def county_counter(region_prefix):
    """The id of a county's counter, or the prefix of the ids of the counties of a shorter
    region prefix."""
    return "c|" + region_prefix


def contribution(counted):
    added = {STATUS_GAUGE: {counted["status"]: 1}}
    county = {}
    if counted["status"] in CHECKED_STATUSES:
        county["checkable"] = 1
    if counted.get("grade_stars"):
        county[f"stars_{counted['grade_stars']}"] = 1
    if county:
        added[key("c", counted["region"])] = county
    return added


def grade_distribution(counties):
    """{"graded", "by_stars": {"1".."5": units}} of county counter documents."""
    by_stars = {str(stars): sum(c.get(f"stars_{stars}", 0) for c in counties)
                for stars in range(1, 6)}
    return {"graded": sum(by_stars.values()), "by_stars": by_stars}
