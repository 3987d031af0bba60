"""The notifications store (services/notifications/store.py) in memory: the methods the
application code calls, with the same answers; every event written kept in ``events`` (the
outbox) and every call counted in ``calls`` (round trips). Pages hold the documents of the key
ranges asked, newest first (the audience in key order), their cursor an offset."""
import copy
from collections import Counter

from services.notifications import domain, listing
from services.notifications.store import RETRY_BATCH


def _in_ranges(keys, ranges):
    return max((keys[r.field] for r in ranges
                if keys.get(r.field) and keys[r.field].startswith(r.prefix)), default=None)


def _page(documents, cursor, limit):
    start = int(cursor or 0)
    found = documents[start:start + limit]
    return found, (str(start + limit) if start + limit < len(documents) else None)


class FakeNotificationStore:
    def __init__(self):
        self.messages, self.deliveries, self.preferences_by = {}, {}, {}
        self.audience, self.warnings, self.sign_ins = {}, {}, {}
        self.events = []  # every envelope written, in order
        self.calls = Counter()  # store round trips by method

    def __getattribute__(self, name):
        found = object.__getattribute__(self, name)
        if name.startswith("_") or name == "events_of" or not callable(found):
            return found
        calls = object.__getattribute__(self, "calls")

        def counted(*args, **kwargs):
            calls[name] += 1
            return found(*args, **kwargs)
        return counted

    def events_of(self, event_type):
        return [e["data"] for e in self.events if e["type"] == event_type]

    def prune(self, now):
        pass

    # --- sign-in codes -------------------------------------------------------------------------

    def sign_in(self, key):
        return copy.deepcopy(self.sign_ins.get(key))

    def save_sign_in(self, key, record):
        self.sign_ins[key] = {"_id": key, **copy.deepcopy(record)}

    def take_try(self, key, now):
        record = self.sign_ins.get(key)
        if record is None or record["tries_left"] <= 0 or record["expires_at"] <= now:
            return None
        before = copy.deepcopy(record)
        record["tries_left"] -= 1
        return before

    def use_code(self, key, digest):
        record = self.sign_ins.get(key)
        if record is None or record["digest"] != digest:
            return False
        record.update(digest=None, tries_left=0)
        return True

    # --- the inbox -----------------------------------------------------------------------------

    def add_messages(self, messages):
        added = []
        for message in messages:
            new = message["_id"] not in self.messages
            if new:
                self.messages[message["_id"]] = copy.deepcopy(message)
            added.append(new)
        return added

    def warning_of_messages(self, message_ids):
        return {i: self.messages[i].get("warning_id") for i in message_ids
                if i in self.messages}

    def inbox(self, ranges, accept, cursor, limit):
        listed = []
        for message in self.messages.values():
            at = _in_ranges(listing.message_keys(message), ranges)
            if at is not None and (accept is None or accept(message)):
                listed.append((at, message))
        listed.sort(key=lambda pair: pair[0], reverse=True)
        return _page([copy.deepcopy(m) for _, m in listed], cursor, limit)

    def message(self, message_id):
        return copy.deepcopy(self.messages.get(message_id))

    def mark_read(self, message, now):
        stored = self.messages[message["_id"]]
        if stored["read_at"] is None:
            stored["read_at"] = now
        return copy.deepcopy(stored)

    # --- deliveries ----------------------------------------------------------------------------

    def add_delivery(self, delivery):
        if delivery["_id"] in self.deliveries:
            return False
        self.deliveries[delivery["_id"]] = copy.deepcopy(delivery)
        return True

    def claim_attempt(self, delivery, lease_until):
        stored = self.deliveries.get(delivery["_id"])
        if stored is None or stored["status"] != "pending" or \
                stored["attempts"] != delivery["attempts"]:
            return None
        stored.update(attempts=delivery["attempts"] + 1, next_attempt_at=lease_until)
        return copy.deepcopy(stored)

    def finish_attempt(self, delivery, fields, events=()):
        self.deliveries[delivery["_id"]].update(copy.deepcopy(fields))
        self.events += events

    def due_deliveries(self, now):
        due = sorted((d for d in self.deliveries.values()
                      if d["status"] == "pending" and d["next_attempt_at"] <= now),
                     key=lambda d: (d["next_attempt_at"], d["_id"]))
        return [copy.deepcopy(d) for d in due[:RETRY_BATCH]]

    def deliveries_of(self, recipient, cursor, limit):
        own = sorted((d for d in self.deliveries.values() if d["recipient"] == recipient),
                     key=lambda d: (d["created_at"], d["_id"]), reverse=True)
        return _page([copy.deepcopy(d) for d in own], cursor, limit)

    # --- preferences and the audience ----------------------------------------------------------

    def preferences(self, recipient):
        return copy.deepcopy(self.preferences_by.get(recipient))

    def preferences_of(self, recipients):
        return {r: copy.deepcopy(self.preferences_by[r]) for r in recipients
                if r in self.preferences_by}

    def save_preferences(self, recipient, preferences):
        self.preferences_by[recipient] = {"_id": recipient, **copy.deepcopy(preferences)}

    def remember_phone(self, recipient, phone):
        stored = self.preferences_by.setdefault(recipient, {
            "_id": recipient, **{k: v for k, v in domain.default_preferences(recipient).items()
                                 if k != "contacts"}})
        stored.setdefault("contacts", {})["phone"] = phone

    def remember_audience(self, pairs):
        for consumer, region in pairs:
            self.audience[f"{region}:{consumer}"] = {"region": region, "consumer": consumer}

    def audience_page(self, region_prefix, cursor, limit):
        within = [self.audience[k] for k in sorted(self.audience)
                  if self.audience[k]["region"].startswith(region_prefix)]
        return _page(copy.deepcopy(within), cursor, limit)

    # --- consumer warnings ---------------------------------------------------------------------

    def insert_warning(self, warning):
        self.warnings[warning["_id"]] = copy.deepcopy(warning)

    def warning(self, warning_id):
        return copy.deepcopy(self.warnings.get(warning_id))

    def save_versioned(self, collection, document, fields, events):
        stored = self.warnings.get(document["_id"])
        if stored is None or stored["version"] != document["version"]:
            return None
        self.warnings[document["_id"]] = {**copy.deepcopy(document), **fields,
                                          "version": document["version"] + 1}
        self.events += events
        return self.warning(document["_id"])

    def record_fanout(self, warning_id, fanout, finished):
        self.warnings[warning_id]["fanout" if finished else "fanout_progress"] = \
            copy.deepcopy(fanout)

    def published_warnings(self, region, cursor, limit):
        ranges = listing.public_warning_ranges(region)
        listed = []
        for warning in self.warnings.values():
            at = _in_ranges(listing.warning_keys(warning), ranges)
            if at is not None:
                listed.append((warning["published_at"], warning["_id"], warning))
        listed.sort(key=lambda t: t[:2], reverse=True)
        return _page([copy.deepcopy(w) for *_, w in listed], cursor, limit)
