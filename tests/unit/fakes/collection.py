"""A pymongo collection in memory, with only what plumbing.idempotency asks of one: find by
``_id`` (``$in``), inserts refused on a taken ``_id``, ``$set`` updates, deletes, and the
``$lt`` of a lease taken over."""
import copy

from pymongo import DeleteOne, UpdateOne
from pymongo.errors import BulkWriteError

DUPLICATE_KEY = 11000


def matches(document, query):
    for field, wanted in query.items():
        value = document.get(field)
        if isinstance(wanted, dict):
            for op, operand in wanted.items():
                if op == "$in" and value not in operand:
                    return False
                if op == "$lt" and not (value is not None and value < operand):
                    return False
        elif value != wanted:
            return False
    return True


class FakeCollection:
    def __init__(self):
        self.documents = {}

    def find(self, query):
        return [copy.deepcopy(d) for d in self.documents.values() if matches(d, query)]

    def find_one(self, query):
        found = self.find(query)
        return found[0] if found else None

    def insert_many(self, documents, ordered=True):
        refused = []
        for index, document in enumerate(documents):
            if document["_id"] in self.documents:
                refused.append({"index": index, "code": DUPLICATE_KEY})
            else:
                self.documents[document["_id"]] = copy.deepcopy(document)
        if refused:
            raise BulkWriteError({"writeErrors": refused})

    def find_one_and_update(self, query, update):
        for document in self.documents.values():
            if matches(document, query):
                before = copy.deepcopy(document)
                document.update(update["$set"])
                return before
        return None

    def bulk_write(self, writes, ordered=True):
        for write in writes:
            for document_id, document in list(self.documents.items()):
                if not matches(document, write._filter):
                    continue
                if isinstance(write, DeleteOne):
                    del self.documents[document_id]
                elif isinstance(write, UpdateOne):
                    document.update(write._doc["$set"])
                break
