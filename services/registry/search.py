"""Public search: filters as a Mongo query built from validated values, distances in Python."""
import math
import re

from plumbing.actors import region_filter
from services.registry.certification import PUBLIC_STATUSES

EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE_LAT = 2 * math.pi * EARTH_RADIUS_M / 360  # the sphere distance_m measures on
BOX_MARGIN = 1.005  # the box only narrows the candidates: a little wider is harmless


def public_query(filters):
    """The Mongo filter of a validated search; only typed, checked values reach it."""
    query = {"status": {"$in": sorted(PUBLIC_STATUSES)}}
    if filters.get("region"):
        query.update(region_filter(filters["region"]))
    for key in ("industry", "unit_type"):
        if filters.get(key):
            query[key] = filters[key]
    commitment = filters.get("commitment")
    if commitment == "no_reason_return":
        query["commitments.no_reason_return_days"] = {"$gt": 0}
    elif commitment:
        query[f"commitments.{commitment}"] = True
    if filters.get("q"):
        pattern = re.escape(filters["q"])
        query["$or"] = [{"name": {"$regex": pattern}}, {"address": {"$regex": pattern}}]
    if filters.get("near"):
        query.update(bounding_box(*filters["near"], filters["radius_m"]))
    return query


def bounding_box(lng, lat, radius_m):
    """A coarse box around the point, so the store returns few candidates to measure."""
    dlat = BOX_MARGIN * radius_m / METRES_PER_DEGREE_LAT
    dlng = BOX_MARGIN * radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)),
                                                                0.01))
    return {"location.lat": {"$gte": lat - dlat, "$lte": lat + dlat},
            "location.lng": {"$gte": lng - dlng, "$lte": lng + dlng}}


def distance_m(lng1, lat1, lng2, lat2):
    """Great-circle distance (haversine), in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearest_first(units, lng, lat, radius_m):
    """Units within ``radius_m`` of the point, nearest first, each with ``distance_m``."""
    measured = []
    for unit in units:
        where = unit.get("location") or {}
        if "lng" not in where:
            continue
        metres = distance_m(lng, lat, where["lng"], where["lat"])
        if metres <= radius_m:
            measured.append({**unit, "distance_m": round(metres)})
    return sorted(measured, key=lambda u: (u["distance_m"], u["_id"]))


def listing(unit):
    """A unit as public search and the red/black lists show it: no personal data."""
    shown = ("name", "unit_type", "industry", "region", "address", "location", "status",
             "stars", "store_code", "commitments", "red_listed", "black_listed", "distance_m")
    return {"merchant_id": unit["_id"], **{k: unit.get(k) for k in shown if k in unit}}
