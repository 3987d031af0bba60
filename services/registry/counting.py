"""What the registry counts of each unit, free of I/O: units by status (the gauge) and, per
county, the units a spot check may draw (so a draw knows the counties and their sizes without
reading them)."""
from plumbing.keys import key
from services.registry.certification import PUBLIC_STATUSES
from services.registry.spot_checks import CHECKED_STATUSES

COUNTERS = "registry_counters"
STATUS_GAUGE = key("g", "status")


def snapshot(merchant):
    return {"id": merchant["_id"], "status": merchant["status"], "region": merchant["region"],
            "name": merchant["name"], "address": merchant.get("address") or "",
            "public": merchant["status"] in PUBLIC_STATUSES}


def county_counter(region_prefix):
    """The id of a county's counter, or the prefix of the ids of the counties of a shorter
    region prefix."""
    return "c|" + region_prefix


def contribution(counted):
    added = {STATUS_GAUGE: {counted["status"]: 1}}
    if counted["status"] in CHECKED_STATUSES:
        added[key("c", counted["region"])] = {"checkable": 1}
    return added
