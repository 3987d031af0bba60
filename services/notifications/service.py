"""Notifications entrypoints: event consumers that fill inboxes, and inbox RPCs."""
import logging


from plumbing.actors import Actor
from plumbing.clock import ClockProvider, to_rfc3339
from plumbing.consumers import consumes
from plumbing.errors import not_found
from plumbing.mongo import Mongo
from plumbing.service import FangxinService, rpc
from services.notifications import domain
from services.notifications.store import NotificationsStore
from services.notifications.templates import DEFAULT_LOCALE, render

INBOX = "inbox"

log = logging.getLogger(__name__)


def view(message):
    shown = {k: v for k, v in message.items() if k != "_id"}
    return {"notification_id": message["_id"], **shown, "read": message["read_at"] is not None}


class NotificationsService(FangxinService):
    name = "notifications"

    store = Mongo(NotificationsStore)
    clock = ClockProvider()

    @consumes("registry", "merchant_applied")
    def on_merchant_applied(self, envelope):
        self._deliver(envelope, domain.for_merchant_applied(envelope))

    def _deliver(self, envelope, intents):
        now = to_rfc3339(self.clock.now())
        for intent in intents:
            title, body = render(intent.template, DEFAULT_LOCALE, intent.context)
            self.store.add_message({
                "_id": domain.message_id(envelope["event_id"], intent.recipient, INBOX),
                "recipient": intent.recipient,
                "topic": intent.topic,
                "title": title,
                "body": body,
                "event_type": envelope["type"],
                "event_id": envelope["event_id"],
                "created_at": now,
                "read_at": None,
            })
            log.info("inbox message stored", extra={"recipient": intent.recipient,
                                                    "event_type": envelope["type"]})

    @rpc
    def inbox(self, actor, unread_only=False, cursor=None, limit=20):
        recipient = Actor.from_dict(actor).recipient
        messages, next_cursor = self.store.inbox(recipient, unread_only, cursor, limit)
        return {"items": [view(m) for m in messages], "next_cursor": next_cursor}

    @rpc
    def mark_read(self, actor, notification_id):
        recipient = Actor.from_dict(actor).recipient
        message = self.store.mark_read(recipient, notification_id, to_rfc3339(self.clock.now()))
        if message is None:
            raise not_found(message="no such notification")
        return view(message)
