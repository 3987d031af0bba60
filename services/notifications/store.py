"""Inbox messages, deliveries on the other channels, preferences, the warning audience and
consumer warnings. Every query names one indexed field (a composite key of ``listing``, or an
id)."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReplaceOne
from pymongo.errors import DuplicateKeyError

from plumbing.mongo import BaseStore, inserted, key_indexes
from plumbing.outbox import NO_OUTBOX
from plumbing.pagination import due, page_by_key
from plumbing.retention import DAY, Retention, stamp
from services.notifications import domain, listing

MESSAGES = "messages"
DELIVERIES = "deliveries"
PREFERENCES = "preferences"
AUDIENCE = "audience"
WARNINGS = "warnings"
SIGN_INS = "sign_ins"
RETRY_BATCH = 200
AUDIENCE_BATCH_MOST = 5000


class NotificationsStore(BaseStore):
    INDEXES = {
        MESSAGES: key_indexes(*listing.MESSAGE_KEY_FIELDS),
        DELIVERIES: key_indexes(*listing.DELIVERY_KEY_FIELDS),
        AUDIENCE: key_indexes("k_audience"),
        WARNINGS: key_indexes(*listing.WARNING_KEY_FIELDS),
    }
    MONGODB_INDEXES = {MESSAGES: [IndexModel([("recipient", ASCENDING),
                                               ("created_at", DESCENDING)])]}
    OUTBOX_COLLECTIONS = (DELIVERIES, WARNINGS)
    KEYS = {MESSAGES: listing.message_keys, DELIVERIES: listing.delivery_keys,
            WARNINGS: listing.warning_keys}
    RETENTION = (
        # a delivery is stamped when it is sent or fails for good; its status is shown till then
        Retention(DELIVERIES, "RETAIN_DELIVERIES_SECONDS", 90 * DAY),
    )

    # --- sign-in codes (filed by a digest of the phone: services/notifications/sign_in.py) ----

    def sign_in(self, key):
        return self.db[SIGN_INS].find_one({"_id": key})

    def save_sign_in(self, key, record):
        self.db[SIGN_INS].replace_one({"_id": key}, {"_id": key, **record}, upsert=True)

    def take_try(self, key, now):
        """Spends one try of the live code (one writer at a time): the record as it was, or
        None when no code is live or its tries are spent."""
        return self.db[SIGN_INS].find_one_and_update(
            {"_id": key, "tries_left": {"$gt": 0}, "expires_at": {"$gt": now}},
            {"$inc": {"tries_left": -1}})

    def use_code(self, key, digest):
        """Spends the code for good; whether this call did (of two at once, one)."""
        return self.db[SIGN_INS].update_one(
            {"_id": key, "digest": digest},
            {"$set": {"digest": None, "tries_left": 0}}).modified_count == 1

    # --- the inbox -----------------------------------------------------------------------------

    def add_messages(self, messages):
        """Stores messages in one round trip, skipping those whose id exists: for each,
        whether it was new."""
        new = set(inserted(self.db[MESSAGES], [self.prepared(MESSAGES, m) for m in messages]))
        return [i in new for i in range(len(messages))]

    def warning_of_messages(self, message_ids):
        """{message id: the warning it carries} of those of ``message_ids`` that exist."""
        return {m["_id"]: m.get("warning_id") for m in self.db[MESSAGES].find(
            {"_id": {"$in": message_ids}}, {"warning_id": 1})} if message_ids else {}

    def inbox(self, ranges, accept, cursor, limit):
        return page_by_key(self.db[MESSAGES], ranges, cursor, limit, accept=accept)

    def message(self, message_id):
        return self.db[MESSAGES].find_one({"_id": message_id})

    def mark_read(self, message, now):
        """The message after marking it read (the first reader's time stays)."""
        return self.update_where(MESSAGES, message, {"read_at": None}, {"read_at": now}) or \
            self.message(message["_id"])

    # --- deliveries on email, SMS and WeChat --------------------------------------------------

    def add_delivery(self, delivery):
        try:
            self.db[DELIVERIES].insert_one(self.prepared(DELIVERIES, delivery))
            return True
        except DuplicateKeyError:
            return False

    def claim_attempt(self, delivery, lease_until):
        """Takes the next attempt of a pending delivery; None when another worker has it."""
        return self.update_where(DELIVERIES, delivery, {"status": "pending",
                                                        "attempts": delivery["attempts"]},
                                 {"attempts": delivery["attempts"] + 1,
                                  "next_attempt_at": lease_until})

    def finish_attempt(self, delivery, fields, events=()):
        """Records an attempt's end; a delivery sent or failed for good is stamped for
        retention."""
        if fields.get("status") in ("sent", "failed"):
            fields = {**fields, **stamp(fields.get("sent_at") or fields["finished_at"],
                                        delivery["_id"])}
        self.update_where(DELIVERIES, delivery, {}, fields, events)

    def due_deliveries(self, now):
        return due(self.db[DELIVERIES], "k_retry", now + "}", RETRY_BATCH, NO_OUTBOX)

    def deliveries_of(self, recipient, cursor, limit):
        return page_by_key(self.db[DELIVERIES], [listing.deliveries_range(recipient)], cursor,
                           limit, projection=NO_OUTBOX)

    # --- preferences and the audience of warnings ---------------------------------------------

    def preferences(self, recipient):
        return self.db[PREFERENCES].find_one({"_id": recipient})

    def preferences_of(self, recipients):
        return {p["_id"]: p for p in self.db[PREFERENCES].find({"_id": {"$in": recipients}})}

    def save_preferences(self, recipient, preferences):
        self.db[PREFERENCES].replace_one({"_id": recipient}, {"_id": recipient, **preferences},
                                         upsert=True)

    def remember_phone(self, recipient, phone):
        """The phone a consumer signed in with, as the address of their SMS."""
        defaults = {k: v for k, v in domain.default_preferences(recipient).items()
                    if k != "contacts"}
        self.db[PREFERENCES].update_one({"_id": recipient}, {
            "$set": {"contacts.phone": phone}, "$setOnInsert": defaults}, upsert=True)

    def remember_audience(self, pairs):
        """Remembers each ``(consumer, region)``: who to warn in which region."""
        ids = {f"{region}:{consumer}": (consumer, region) for consumer, region in pairs}
        if ids:
            self.db[AUDIENCE].bulk_write([
                ReplaceOne({"_id": entry}, {"_id": entry, "region": region, "consumer": consumer,
                                            "k_audience": listing.audience_key(consumer,
                                                                               region)},
                           upsert=True) for entry, (consumer, region) in ids.items()],
                ordered=False)

    def audience_page(self, region_prefix, cursor, limit):
        """A page of the audience within a region prefix, in (code, consumer) order."""
        return page_by_key(self.db[AUDIENCE], [listing.audience_range(region_prefix)], cursor,
                           limit, descending=False, max_limit=AUDIENCE_BATCH_MOST)

    # --- consumer warnings ---------------------------------------------------------------------

    def insert_warning(self, warning):
        self.insert_with_events(WARNINGS, warning, [])

    def warning(self, warning_id):
        return self.db[WARNINGS].find_one({"_id": warning_id}, NO_OUTBOX)

    def record_fanout(self, warning_id, fanout, finished):
        """The fan-out's figures: its progress (with the audience cursor it goes on from)
        while it runs, then its result."""
        field = "fanout" if finished else "fanout_progress"
        self.db[WARNINGS].update_one({"_id": warning_id}, {"$set": {field: fanout}})

    def published_warnings(self, region, cursor, limit):
        return page_by_key(self.db[WARNINGS], listing.public_warning_ranges(region), cursor,
                           limit, projection=NO_OUTBOX)
