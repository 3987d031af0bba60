"""Inbox messages."""
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from plumbing.mongo import BaseStore
from plumbing.pagination import newest_first

MESSAGES = "messages"


class NotificationsStore(BaseStore):
    INDEXES = {
        MESSAGES: [
            IndexModel([("recipient", ASCENDING), ("created_at", DESCENDING)]),
            IndexModel([("recipient", ASCENDING), ("read_at", ASCENDING)]),
        ],
    }

    def add_message(self, message):
        """Stores ``message`` unless one with its id exists; True when it was new."""
        try:
            self.db[MESSAGES].insert_one(message)
            return True
        except DuplicateKeyError:
            return False

    def inbox(self, recipient, unread_only, cursor, limit):
        query = {"recipient": recipient}
        if unread_only:
            query["read_at"] = None
        return newest_first(self.db[MESSAGES], query, "created_at", cursor, limit)

    def mark_read(self, recipient, message_id, now):
        """The message after marking it read, or None when the recipient has no such message."""
        messages = self.db[MESSAGES]
        messages.update_one({"_id": message_id, "recipient": recipient, "read_at": None},
                            {"$set": {"read_at": now}})
        return messages.find_one({"_id": message_id, "recipient": recipient})
