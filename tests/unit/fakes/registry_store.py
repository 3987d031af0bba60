"""The registry store (services/registry/store.py) in memory: the methods the application code
calls, with the same answers (its composite keys computed as the real store's are, so that
lists, schedules and draws read the same ranges), and every event written kept in ``events``
(the outbox). Pages hold the whole range: a cursor is only ever "more" (no page after it)."""
import copy
from collections import Counter

from plumbing.errors import conflict
from plumbing.keys import key, prefix
from plumbing.pagination import KeyRange, clamped
from services.registry import listing, search
from services.registry.certification import PUBLIC_STATUSES
from services.registry.spot_checks import CHECKED_STATUSES
from services.registry.store import MERCHANTS
from tests.unit.fakes.collection import FakeCollection

MORE = "more"


class FakeDatabase(dict):
    """The collections plumbing reads through ``store.db`` (poison events), made on first use."""

    name = "registry-fake"

    def __missing__(self, collection):
        self[collection] = FakeCollection()
        return self[collection]


def in_range(document, key_range):
    bounds = key_range.query()[key_range.field]
    value = document.get(key_range.field)
    return value is not None and bounds["$gte"] <= value < bounds["$lt"]


def page_of(documents, ranges, accept, limit, descending):
    found = {d["_id"]: d for d in documents for r in ranges if in_range(d, r)}
    fields = {r.field for r in ranges}
    ordered = sorted(found.values(), reverse=descending,
                     key=lambda d: next(d[f] for f in fields if d.get(f)))
    shown = [d for d in ordered if accept is None or accept(d)]
    limit = clamped(limit)
    return copy.deepcopy(shown[:limit]), MORE if len(shown) > limit else None


class FakeRegistryStore:
    def __init__(self):
        self.merchants, self.spot_checks, self.ratings = {}, {}, {}
        self.abnormal = {}  # credit code → listed at
        self.events = []  # every envelope written, in order
        self.writes = Counter()  # method → calls, to count round trips
        self.handled = {}  # "handler:event_id" → "started" or "done" (plumbing/consumers.py)
        self.db = FakeDatabase()

    def events_of(self, event_type):
        return [e["data"] for e in self.events if e["type"] == event_type]

    def ping(self):
        return True

    def prune(self, now):
        return 0

    # --- events consumed once (plumbing/consumers.py) ------------------------------------------

    def claim_events(self, handler, event_ids, now, lease_until):
        states = []
        for event_id in event_ids:
            key_id = f"{handler}:{event_id}"
            states.append("done" if self.handled.get(key_id) == "done" else "claimed")
            self.handled[key_id] = self.handled.get(key_id, "started")
        return states

    def finish_events(self, handler, event_ids, now):
        for event_id in event_ids:
            self.handled[f"{handler}:{event_id}"] = "done"

    def release_event(self, handler, event_id):
        self.handled.pop(f"{handler}:{event_id}", None)

    # --- merchants -----------------------------------------------------------------------------

    def _keep(self, merchant):
        self.merchants[merchant["_id"]] = {**copy.deepcopy(merchant), **listing.keys_of(merchant)}

    def insert_merchant(self, merchant, events):
        self.writes["insert_merchant"] += 1
        if any(m["credit_code"] == merchant["credit_code"] for m in self.merchants.values()):
            raise conflict("CREDIT_CODE_TAKEN", "a unit with this credit code is registered")
        if merchant["_id"] in self.merchants:
            raise conflict("ALREADY_APPLIED", "this merchant account has already applied")
        self._keep(merchant)
        self.events += events

    def save_versioned(self, collection, document, fields, events):
        assert collection == MERCHANTS
        self.writes["save_versioned"] += 1
        stored = self.merchants.get(document["_id"])
        if stored is None or stored["version"] != document["version"]:
            return None
        self._keep({**stored, **copy.deepcopy(fields), "version": document["version"] + 1})
        self.events += events
        return self.get_merchant(document["_id"])

    def update_where(self, collection, document, condition, fields, events=()):
        assert collection == MERCHANTS
        self.writes["update_where"] += 1
        stored = self.merchants.get(document["_id"])
        if stored is None or any(stored.get(k) != v for k, v in condition.items()):
            return None
        self._keep({**stored, **copy.deepcopy(fields)})
        self.events += events
        return self.get_merchant(document["_id"])

    def get_merchant(self, merchant_id):
        return copy.deepcopy(self.merchants.get(merchant_id))

    def by_credit_code(self, credit_code):
        return next((copy.deepcopy(m) for m in self.merchants.values()
                     if m["credit_code"] == credit_code), None)

    def by_store_code(self, store_code):
        return next((copy.deepcopy(m) for m in self.merchants.values()
                     if store_code and m.get("store_code") == store_code), None)

    def count_scans(self, counts):
        for merchant_id, n in counts.items():
            if merchant_id in self.merchants:
                self.merchants[merchant_id]["scan_count"] += n
                self.merchants[merchant_id]["version"] += 1

    def count_redemption(self, merchant_id, event_id, amount=1):
        stored = self.merchants.get(merchant_id)
        if stored is None or event_id in stored.get("redemptions_seen", []):
            return False
        stored["redemption_count"] = stored.get("redemption_count", 0) + amount
        stored["redemptions_seen"] = [*stored.get("redemptions_seen", []), event_id][-32:]
        stored["version"] += 1
        return True

    def add_rating(self, merchant_id, score, events):
        stored = self.merchants.get(merchant_id)
        if stored is None:
            return None
        stored["rating"]["count"] += 1
        stored["rating"]["total"] += score
        stored["version"] += 1
        self.events += events
        return {"_id": merchant_id, "rating": dict(stored["rating"])}

    def page(self, ranges, accept, cursor, limit, descending=True):
        return page_of(self.merchants.values(), ranges, accept, limit, descending)

    def with_licence_until(self, latest_date):
        return self._due("k_licence", latest_date + "}")

    def due_for_review(self, counted_before):
        return self._due("k_review", counted_before)

    def due_for_regrade(self, until):
        return self._due("k_regrade", until)

    def _due(self, field, until):
        due = KeyRange(field, prefix(field), end=until)
        return sorted((copy.deepcopy(m) for m in self.merchants.values() if in_range(m, due)),
                      key=lambda m: m[field])

    def count_by_status(self):
        return dict(Counter(m["status"] for m in self.merchants.values()))

    # --- search --------------------------------------------------------------------------------

    def search_by_word(self, words, filters, cursor, limit):
        """The public units whose name or address hold every one of ``words`` (the real
        store reads the postings of the rarest and filters the others)."""
        def holds(unit):
            text = unit["name"] + (unit.get("address") or "")
            return all(word in text for word in words)
        public = [m for m in self.merchants.values() if m["status"] in PUBLIC_STATUSES]
        return page_of([m for m in public if holds(m)], [KeyRange("k_public",
                                                                  prefix("k_public"))],
                       None, limit, descending=False)

    def nearest(self, lng, lat, radius_m, cursor, limit, accept):
        near = []
        for unit in self.merchants.values():
            where = unit.get("location")
            if unit["status"] not in PUBLIC_STATUSES or not where:
                continue
            metres = search.distance_m(lng, lat, where["lng"], where["lat"])
            if metres <= radius_m and (accept is None or accept(unit)):
                near.append((metres, unit["_id"], unit))
        near.sort(key=lambda item: item[:2])
        limit = clamped(limit)
        return ([{**copy.deepcopy(unit), "distance_m": round(metres)}
                 for metres, _, unit in near[:limit]], MORE if len(near) > limit else None)

    # --- counties and spot-check draws ---------------------------------------------------------

    def checkable_counties(self, region_prefix):
        return dict(Counter(m["region"] for m in self.merchants.values()
                            if m["status"] in CHECKED_STATUSES
                            and m["region"].startswith(region_prefix)))

    def first_drawn_from(self, county, place, after_unit=None):
        first = prefix("k_spot", county)
        order = sorted((m for m in self.merchants.values()
                        if (m.get("k_spot") or "").startswith(first)), key=lambda m: m["k_spot"])
        if after_unit is None:
            later = [m for m in order if m["k_spot"] >= first + place]
        else:
            later = [m for m in order if m["k_spot"] > after_unit["k_spot"]]
        found = (later or order)[:1]
        return copy.deepcopy(found[0]) if found else None

    def redraw(self, merchant, draw):
        stored = self.merchants[merchant["_id"]]
        stored["spot_draw"] = draw
        stored["k_spot"] = key("k_spot", stored["region"], draw, stored["_id"])

    # --- the licence registry's abnormal list --------------------------------------------------

    def is_abnormal_listed(self, credit_code):
        return credit_code in self.abnormal

    def set_abnormal_listed(self, credit_code, listed, at):
        if listed:
            self.abnormal[credit_code] = at
        else:
            self.abnormal.pop(credit_code, None)

    # --- ratings -------------------------------------------------------------------------------

    def last_rating(self, merchant_id, consumer):
        return copy.deepcopy(self.ratings.get(f"{merchant_id}:{consumer}"))

    def record_rating(self, merchant_id, consumer, previous_at, rating):
        key_id = f"{merchant_id}:{consumer}"
        kept = self.ratings.get(key_id)
        if (kept["at"] if kept else None) != previous_at:
            return False
        self.ratings[key_id] = {"_id": key_id, **rating}
        return True

    # --- spot checks ---------------------------------------------------------------------------

    def insert_spot_checks(self, tasks, events_by_task):
        for task in tasks:
            self.spot_checks[task["_id"]] = {**copy.deepcopy(task),
                                             **listing.spot_check_keys(task)}
            self.events += events_by_task[task["_id"]]

    def get_spot_check(self, task_id):
        return copy.deepcopy(self.spot_checks.get(task_id))

    def complete_spot_check(self, task, fields, events):
        stored = self.spot_checks.get(task["_id"])
        if stored is None or stored["status"] != "assigned":
            return None
        stored.update(copy.deepcopy(fields))
        stored.update(listing.spot_check_keys(stored))
        self.events += events
        return copy.deepcopy(stored)

    def spot_check_page(self, ranges, cursor, limit):
        return page_of(self.spot_checks.values(), ranges, None, limit, descending=True)

