"""Public search, free of I/O: which key a search reads, the words a unit is found by, and the
cells around a point in the order of their distance.

- **Filters** pick one key of ``listing`` (industry, else unit type, else the public key), its
  prefix ending inside the county part for a region of any level; what the key does not hold is
  checked on what it returns (``accept``).
- **Keywords**: a unit's name and address are cut into words, each a posting of the unit
  (``search_terms``): after NFKC and case folding, every run of letters gives its character
  bigrams (``湖滨小吃`` gives 湖滨, 滨小, 小吃; ``kfc`` gives kf, fc) and every number of two
  digits or more is a word of its own (``913``). A search reads the postings of its rarest
  word in the same order as the public key, and keeps the units whose name or address holds
  every part of the query.
- **Nearness**: a unit is keyed by the geohash of its location; a search reads the geohash cells
  around the point nearest first and stops once no unread cell can hold a nearer unit than the
  last of its page. Its cursor is the distance and id of the last unit shown.
"""
import heapq
import math
import re
import unicodedata

import pygeohash

from plumbing.actors import covers, jurisdiction_prefix
from plumbing.derived import KEY_FIELD
from plumbing.errors import invalid
from plumbing.keys import key, prefix, text_part
from plumbing.pagination import KeyRange

EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
CELL_PRECISION = 6          # about 1.2 km × 0.6 km
LETTERS = re.compile(r"[^\W\d_]+")
NUMBERS = re.compile(r"\d{2,}")
TERMS = "search_terms"


# --- words ------------------------------------------------------------------------------------

def normalized(text):
    return unicodedata.normalize("NFKC", text or "").casefold()


def segments(text):
    """The runs of letters and the runs of digits of ``text``, normalized."""
    return re.findall(r"[^\W\d_]+|\d+", normalized(text))


def bigrams(run):
    return {run[i:i + 2] for i in range(len(run) - 1)}


def words_of(*texts):
    words = set()
    for text in texts:
        folded = normalized(text)
        words.update(word for run in LETTERS.findall(folded) for word in bigrams(run))
        words.update(NUMBERS.findall(folded))
    return sorted(words)


def query_words(q):
    """The words a keyword search looks up; 422 when the query has neither two letters in a
    row nor a number of two digits (a single character would match too much to look up)."""
    words = words_of(q)
    if not words:
        raise invalid({"q": ["give at least two letters in a row, or a number"]})
    return words


def matches(q, unit):
    """Whether the unit's name or address holds every part of the query."""
    texts = [" ".join(segments(unit.get("name"))), " ".join(segments(unit.get("address")))]
    return all(any(part in text for text in texts) for part in segments(q))


def postings_of(counted):
    """The postings of a unit as derived data (``counted`` is its snapshot): ``{entry id:
    key}``, none unless the unit is public."""
    if not counted["public"]:
        return {}
    name = text_part(counted["name"])
    return {f"{word}|{counted['id']}": key("k_term", word, counted["region"], name, counted["id"])
            for word in words_of(counted["name"], counted["address"])}


def word_of_posting(entry_id):
    return entry_id.rsplit("|", 1)[0]


def unit_of_posting(entry_id):
    return entry_id.rsplit("|", 1)[1]


# --- which key a search reads -----------------------------------------------------------------

def region_part(filters):
    """The beginning of the county part a region filter keeps (all of it for a county)."""
    return jurisdiction_prefix(filters["region"]) if filters.get("region") else ""


def key_range(filters):
    """``(range, accept)`` of a search without keywords or a point."""
    within = region_part(filters)
    if filters.get("industry"):
        chosen = KeyRange("k_industry", prefix("k_industry", filters["industry"], partial=within))
        implied = {"industry"}
    elif filters.get("unit_type"):
        chosen = KeyRange("k_type", prefix("k_type", filters["unit_type"], partial=within))
        implied = {"unit_type"}
    else:
        chosen, implied = KeyRange("k_public", prefix("k_public", partial=within)), set()
    return chosen, acceptance(filters, implied | {"region"})


def word_range(word, filters):
    """The postings of ``word`` within the search's region, and what their units must pass."""
    within = region_part(filters)
    return (KeyRange(KEY_FIELD, prefix("k_term", word, partial=within)),
            acceptance(filters, {"region"}))


def acceptance(filters, implied):
    """The check of the filters the chosen key does not hold; None when there is none."""
    checks = []
    for name in ("industry", "unit_type"):
        if filters.get(name) and name not in implied:
            checks.append(lambda unit, name=name: unit.get(name) == filters[name])
    if filters.get("region") and "region" not in implied:
        checks.append(lambda unit: covers(filters["region"], unit["region"]))
    if filters.get("commitment"):
        checks.append(lambda unit: holds_commitment(unit, filters["commitment"]))
    if filters.get("q"):
        checks.append(lambda unit: matches(filters["q"], unit))
    if not checks:
        return None
    return lambda unit: all(check(unit) for check in checks)


def holds_commitment(unit, commitment):
    commitments = unit.get("commitments") or {}
    if commitment == "no_reason_return":
        return (commitments.get("no_reason_return_days") or 0) > 0
    return commitments.get(commitment) is True


def rarest(counts):
    """The word with the fewest postings (the first of equals)."""
    return min(sorted(counts), key=lambda word: counts[word])


# --- nearness ---------------------------------------------------------------------------------

def distance_m(lng1, lat1, lng2, lat2):
    """Great-circle distance (haversine), in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


# Geohash cells of CELL_PRECISION characters are a regular grid: 15 bits of longitude and 15 of
# latitude, so the cells around a point are counted out arithmetically, ring by ring.
CELL_LNG = 360 / 2 ** 15
CELL_LAT = 180 / 2 ** 15


def cells_nearest_first(lng, lat, radius_m):
    """``(nearest, diagonal, cell)`` of the geohash cells that may hold units within
    ``radius_m`` of the point, by their nearest distance (metres), lazily: ring by ring around
    the point's cell, each cell given once no cell of a later ring can be nearer."""
    column, row = _cell_index(lng, lat)
    side = min(METRES_PER_DEGREE * CELL_LAT,
               METRES_PER_DEGREE * CELL_LNG * math.cos(math.radians(min(abs(lat) + 1, 89.9))))
    waiting, ring = [], 0
    while True:
        floor = max(0, ring - 1) * side
        while waiting and (waiting[0][0] <= floor or floor > radius_m):
            nearest, diagonal, cell = heapq.heappop(waiting)
            yield nearest, diagonal, _geohash(*cell)
        if floor > radius_m:
            return
        for cell in _ring(column, row, ring):
            nearest, diagonal = _reach(lng, lat, *cell)
            if nearest <= radius_m:
                heapq.heappush(waiting, (nearest, diagonal, cell))
        ring += 1


def _cell_index(lng, lat):
    return int((lng + 180) // CELL_LNG), int((lat + 90) // CELL_LAT)


def _ring(column, row, ring):
    if ring == 0:
        return [(column, row)]
    cells = [(column + dx, row + dy) for dx in range(-ring, ring + 1) for dy in (-ring, ring)]
    cells += [(column + dx, row + dy) for dx in (-ring, ring) for dy in range(1 - ring, ring)]
    return [(c % 2 ** 15, r) for c, r in cells if 0 <= r < 2 ** 15]


def _bounds(column, row):
    west, south = column * CELL_LNG - 180, row * CELL_LAT - 90
    return west, south, west + CELL_LNG, south + CELL_LAT


def _reach(lng, lat, column, row):
    """(nearest distance, diagonal) of a cell from the point, in metres."""
    west, south, east, north = _bounds(column, row)
    nearest = distance_m(lng, lat, min(max(lng, west), east), min(max(lat, south), north))
    return nearest, distance_m(west, south, east, north)


def _geohash(column, row):
    west, south, east, north = _bounds(column, row)
    return pygeohash.encode((south + north) / 2, (west + east) / 2, CELL_PRECISION)


def cell_range(cell):
    """The units whose (longer) geohash lies in ``cell``."""
    return KeyRange("k_geo", prefix("k_geo", partial=cell))


def nearness_suffix(metres, merchant_id):
    """The cursor text of a unit of a search near a point: its distance, then its id."""
    return f"{metres:012.3f}|{merchant_id}"


def parse_nearness(suffix):
    try:
        metres, merchant_id = suffix.split("|", 1)
        return float(metres), merchant_id
    except ValueError:
        raise invalid({"cursor": ["not a valid cursor"]}) from None


def listing(unit):
    """A unit as public search and the red/black lists show it: no personal data."""
    shown = ("name", "unit_type", "industry", "region", "address", "location", "status",
             "stars", "store_code", "commitments", "red_listed", "black_listed", "distance_m")
    return {"merchant_id": unit["_id"], **{k: unit.get(k) for k in shown if k in unit}}
