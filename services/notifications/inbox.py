"""A person's own: the messages of their inbox, their preferences, and their deliveries on
e-mail, SMS and WeChat with their status."""
from plumbing.clock import to_rfc3339
from plumbing.documents import visible
from plumbing.errors import not_found
from services.notifications import domain, listing


class Inbox:
    def __init__(self, store, clock):
        self.store, self.clock = store, clock

    def page(self, actor, unread_only, cursor, limit):
        ranges, accept = listing.inbox_ranges(actor, unread_only)
        messages, next_cursor = self.store.inbox(ranges, accept, cursor, limit)
        return {"items": [message_view(m) for m in messages], "next_cursor": next_cursor}

    def mark_read(self, actor, notification_id):
        message = self.store.message(notification_id)
        if message is None or not listing.reads(actor, message):
            raise not_found(message="no such notification")
        return message_view(self.store.mark_read(message, to_rfc3339(self.clock.now())))

    def preferences(self, recipient):
        stored = self.store.preferences(recipient) or domain.default_preferences(recipient)
        return {k: v for k, v in stored.items() if k != "_id"} | {"recipient": recipient}

    def set_preferences(self, actor, preferences):
        """Saves the actor's preferences; a consumer's region puts them in its audience."""
        self.store.save_preferences(actor.recipient, {**preferences,
                                                      "recipient": actor.recipient})
        if actor.role == "consumer" and preferences["region"]:
            self.store.remember_audience([(actor.sub, preferences["region"])])
        return {**preferences, "recipient": actor.recipient}

    def deliveries(self, recipient, cursor, limit):
        found, next_cursor = self.store.deliveries_of(recipient, cursor, limit)
        return {"items": [delivery_view(d) for d in found], "next_cursor": next_cursor}


def message_view(message):
    return {"notification_id": message["_id"], **visible(message, "warning_id"),
            "read": message["read_at"] is not None}


def delivery_view(delivery):
    shown = ("channel", "topic", "title", "event_type", "status", "attempts", "last_error",
             "created_at", "sent_at")
    return {"notification_id": delivery["_id"], **{k: delivery.get(k) for k in shown}}
