"""The registry's collections and queries."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from plumbing.errors import conflict
from plumbing.mongo import BaseStore
from plumbing.outbox import new_document_with_events, update_with_events
from plumbing.pagination import newest_first

MERCHANTS = "merchants"
ABNORMAL_LIST = "abnormal_list"
SPOT_CHECKS = "spot_checks"
RATINGS = "ratings"
NO_OUTBOX = {"outbox": 0}


class RegistryStore(BaseStore):
    INDEXES = {
        MERCHANTS: [
            IndexModel([("credit_code", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("region", ASCENDING)]),
            IndexModel([("store_code", ASCENDING)]),
            IndexModel([("updated_at", DESCENDING)]),
        ],
        SPOT_CHECKS: [IndexModel([("region", ASCENDING), ("assigned_at", DESCENDING)])],
    }
    OUTBOX_COLLECTIONS = (MERCHANTS, SPOT_CHECKS)

    # --- merchants ---------------------------------------------------------------------------

    def insert_merchant(self, merchant, events):
        try:
            self.insert_with_events(MERCHANTS, merchant, events)
        except DuplicateKeyError as exc:
            if "credit_code" in str(exc):
                raise conflict("CREDIT_CODE_TAKEN", "a unit with this credit code is registered")
            raise conflict("ALREADY_APPLIED", "this merchant account has already applied")

    def get_merchant(self, merchant_id):
        return self.db[MERCHANTS].find_one({"_id": merchant_id}, NO_OUTBOX)

    def by_credit_code(self, credit_code):
        return self.db[MERCHANTS].find_one({"credit_code": credit_code}, NO_OUTBOX)

    def by_store_code(self, store_code):
        return self.db[MERCHANTS].find_one({"store_code": store_code}, NO_OUTBOX)

    def count_scans(self, counts):
        if counts:
            self.db[MERCHANTS].bulk_write([UpdateOne({"_id": merchant_id},
                                                     {"$inc": {"scan_count": n}})
                                           for merchant_id, n in counts.items()], ordered=False)

    def add_rating(self, merchant_id, score):
        return self.db[MERCHANTS].find_one_and_update(
            {"_id": merchant_id}, {"$inc": {"rating.count": 1, "rating.total": score}},
            projection={"rating": 1}, return_document=ReturnDocument.AFTER)

    def page(self, query, cursor, limit):
        return newest_first(self.db[MERCHANTS], query, "updated_at", cursor, limit, NO_OUTBOX)

    def find(self, query, limit, skip=0, sort=(("name", ASCENDING), ("_id", ASCENDING))):
        return list(self.db[MERCHANTS].find(query, NO_OUTBOX).sort(list(sort))
                    .skip(skip).limit(limit))

    def with_licence_until(self, status, latest_date):
        """Units in ``status`` with some licence valid until ``latest_date`` or earlier."""
        return self.db[MERCHANTS].find(
            {"status": status,
             "licences": {"$elemMatch": {"valid_until": {"$lte": latest_date}}}}, NO_OUTBOX)

    def count_by_status(self):
        return {row["_id"]: row["n"] for row in self.db[MERCHANTS].aggregate(
            [{"$group": {"_id": "$status", "n": {"$sum": 1}}}])}

    # --- the licence registry's abnormal list ----------------------------------------------

    def is_abnormal_listed(self, credit_code):
        return self.db[ABNORMAL_LIST].find_one({"_id": credit_code}) is not None

    def set_abnormal_listed(self, credit_code, listed, at):
        if listed:
            self.db[ABNORMAL_LIST].replace_one({"_id": credit_code}, {"_id": credit_code,
                                                                      "at": at}, upsert=True)
        else:
            self.db[ABNORMAL_LIST].delete_one({"_id": credit_code})

    # --- ratings -------------------------------------------------------------------------------

    def last_rating(self, merchant_id, consumer):
        return self.db[RATINGS].find_one({"_id": f"{merchant_id}:{consumer}"})

    def record_rating(self, merchant_id, consumer, previous_at, rating):
        """Records a consumer's rating unless another request recorded one meanwhile."""
        key = f"{merchant_id}:{consumer}"
        if previous_at is None:
            try:
                self.db[RATINGS].insert_one({"_id": key, **rating})
                return True
            except DuplicateKeyError:
                return False
        replaced = self.db[RATINGS].replace_one({"_id": key, "at": previous_at},
                                                {"_id": key, **rating})
        return replaced.modified_count == 1

    # --- spot checks -------------------------------------------------------------------------

    def insert_spot_checks(self, tasks, events_by_task):
        documents = [new_document_with_events(task, events_by_task[task["_id"]])
                     for task in tasks]
        if documents:
            self.db[SPOT_CHECKS].insert_many(documents)
            self.events_written(SPOT_CHECKS)

    def get_spot_check(self, task_id):
        return self.db[SPOT_CHECKS].find_one({"_id": task_id}, NO_OUTBOX)

    def complete_spot_check(self, task_id, fields, events):
        saved = self.db[SPOT_CHECKS].find_one_and_update(
            {"_id": task_id, "status": "assigned"}, update_with_events({"$set": fields}, events),
            projection=NO_OUTBOX, return_document=ReturnDocument.AFTER)
        if saved is not None:
            self.events_written(SPOT_CHECKS)
        return saved

    def spot_check_page(self, query, cursor, limit):
        return newest_first(self.db[SPOT_CHECKS], query, "assigned_at", cursor, limit,
                            NO_OUTBOX)
