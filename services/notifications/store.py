"""Inbox messages, deliveries on the other channels, preferences, the warning audience and
consumer warnings."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReplaceOne, ReturnDocument
from pymongo.errors import DuplicateKeyError

from plumbing.mongo import BaseStore, inserted
from plumbing.outbox import update_with_events
from plumbing.pagination import newest_first

MESSAGES = "messages"
DELIVERIES = "deliveries"
PREFERENCES = "preferences"
AUDIENCE = "audience"
WARNINGS = "warnings"
NO_OUTBOX = {"outbox": 0}


class NotificationsStore(BaseStore):
    INDEXES = {
        MESSAGES: [
            IndexModel([("recipient", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel([("recipient", ASCENDING), ("topic", ASCENDING),
                        ("created_at", DESCENDING)]),
        ],
        DELIVERIES: [IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)]),
                     IndexModel([("recipient", ASCENDING), ("created_at", DESCENDING)])],
        AUDIENCE: [IndexModel([("region", ASCENDING)])],
        WARNINGS: [IndexModel([("status", ASCENDING), ("published_at", DESCENDING)])],
    }
    OUTBOX_COLLECTIONS = (DELIVERIES, WARNINGS)

    # --- the inbox -----------------------------------------------------------------------------

    def add_messages(self, messages):
        """Stores messages in one round trip, skipping those whose id exists: for each,
        whether it was new."""
        new = set(inserted(self.db[MESSAGES], messages))
        return [i in new for i in range(len(messages))]

    def inbox(self, query, unread_only, cursor, limit):
        if unread_only:
            query = {**query, "read_at": None}
        return newest_first(self.db[MESSAGES], query, "created_at", cursor, limit)

    def mark_read(self, query, message_id, now):
        """The message after marking it read, or None when ``query`` does not reach it."""
        messages = self.db[MESSAGES]
        found = {"$and": [query, {"_id": message_id}]}
        messages.update_one({"$and": [found, {"read_at": None}]}, {"$set": {"read_at": now}})
        return messages.find_one(found)

    def warnings_received_since(self, recipients, since):
        """recipient → how many consumer warnings it got since ``since``."""
        rows = self.db[MESSAGES].aggregate([
            {"$match": {"recipient": {"$in": recipients}, "topic": "warning",
                        "created_at": {"$gte": since}}},
            {"$group": {"_id": "$recipient", "n": {"$sum": 1}}}])
        return {row["_id"]: row["n"] for row in rows}

    # --- deliveries on email, SMS and WeChat --------------------------------------------------

    def add_delivery(self, delivery):
        try:
            self.db[DELIVERIES].insert_one(delivery)
            return True
        except DuplicateKeyError:
            return False

    def claim_attempt(self, delivery, lease_until):
        """Takes the next attempt of a pending delivery; None when another worker has it."""
        return self.db[DELIVERIES].find_one_and_update(
            {"_id": delivery["_id"], "status": "pending", "attempts": delivery["attempts"]},
            {"$set": {"attempts": delivery["attempts"] + 1, "next_attempt_at": lease_until}},
            projection=NO_OUTBOX, return_document=ReturnDocument.AFTER)

    def finish_attempt(self, delivery_id, fields, events=()):
        self.db[DELIVERIES].update_one({"_id": delivery_id},
                                       update_with_events({"$set": fields}, list(events)))
        if events:
            self.events_written(DELIVERIES)

    def due_deliveries(self, now, limit=200):
        return list(self.db[DELIVERIES].find(
            {"status": "pending", "next_attempt_at": {"$lte": now}}, NO_OUTBOX).limit(limit))

    def deliveries_of(self, recipient, cursor, limit):
        return newest_first(self.db[DELIVERIES], {"recipient": recipient}, "created_at",
                            cursor, limit, NO_OUTBOX)

    # --- preferences and the audience of warnings ---------------------------------------------

    def preferences(self, recipient):
        return self.db[PREFERENCES].find_one({"_id": recipient})

    def preferences_of(self, recipients):
        return {p["_id"]: p for p in self.db[PREFERENCES].find({"_id": {"$in": recipients}})}

    def save_preferences(self, recipient, preferences):
        self.db[PREFERENCES].replace_one({"_id": recipient}, {"_id": recipient, **preferences},
                                         upsert=True)

    def remember_audience(self, pairs):
        """Remembers each ``(consumer, region)``: who to warn in which region."""
        ids = {f"{region}:{consumer}": (consumer, region) for consumer, region in pairs}
        if ids:
            self.db[AUDIENCE].bulk_write([
                ReplaceOne({"_id": key}, {"_id": key, "region": region, "consumer": consumer},
                           upsert=True) for key, (consumer, region) in ids.items()],
                ordered=False)

    def audience_in(self, region_prefix):
        return sorted({row["consumer"] for row in self.db[AUDIENCE].find(
            {"region": {"$regex": "^" + region_prefix}}, {"consumer": 1})})

    # --- consumer warnings ---------------------------------------------------------------------

    def insert_warning(self, warning):
        self.insert_with_events(WARNINGS, warning, [])

    def warning(self, warning_id):
        return self.db[WARNINGS].find_one({"_id": warning_id}, NO_OUTBOX)

    def record_fanout(self, warning_id, fanout):
        self.db[WARNINGS].update_one({"_id": warning_id}, {"$set": {"fanout": fanout}})

    def published_warnings(self, cursor, limit):
        return newest_first(self.db[WARNINGS], {"status": "published"}, "published_at", cursor,
                            limit, NO_OUTBOX)
