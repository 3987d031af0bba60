"""The registry's collections and queries."""
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from plumbing.errors import conflict
from plumbing.mongo import BaseStore
from plumbing.outbox import new_document_with_events

MERCHANTS = "merchants"
ABNORMAL_LIST = "abnormal_list"


class RegistryStore(BaseStore):
    INDEXES = {
        MERCHANTS: [
            IndexModel([("credit_code", ASCENDING)], unique=True),
            IndexModel([("status", ASCENDING), ("region", ASCENDING)]),
        ],
    }
    OUTBOX_COLLECTIONS = (MERCHANTS,)

    def insert_merchant(self, merchant, events):
        try:
            self.db[MERCHANTS].insert_one(new_document_with_events(merchant, events))
        except DuplicateKeyError as exc:
            key = (exc.details or {}).get("keyPattern") or {}
            if "credit_code" in key or "credit_code" in str(exc):
                raise conflict("CREDIT_CODE_TAKEN", "a unit with this credit code is registered")
            raise conflict("ALREADY_APPLIED", "this merchant account has already applied")
        self.events_written()

    def get_merchant(self, merchant_id):
        return self.db[MERCHANTS].find_one({"_id": merchant_id}, {"outbox": 0})

    def is_abnormal_listed(self, credit_code):
        return self.db[ABNORMAL_LIST].find_one({"_id": credit_code}) is not None
