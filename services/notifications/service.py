"""Notifications entrypoints: each decodes its input (schemas), checks who acts (actors) and
hands over to the application code: delivering.py (an event's messages to inboxes and
channels, with retries), timers.py (the retry pass), inbox.py (a person's messages,
preferences and deliveries), signing_in.py (codes sent by SMS) and warnings.py (consumer
warnings and their fan-out)."""
import functools
from functools import cached_property

from contracts.schemas.notifications import PreferencesSchema, WarningDraftSchema
from plumbing.actors import Actor
from plumbing.clock import ClockProvider
from plumbing.coalesce import Coalescer
from plumbing.config import PerProcess
from plumbing.consumers import consumes
from plumbing.errors import forbidden, validated
from plumbing.mongo import Mongo
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from services.notifications import domain
from services.notifications.delivering import Delivering
from services.notifications.events import CONTRACTS as EVENT_CONTRACTS
from services.notifications.inbox import Inbox
from services.notifications.providers import channels_from_settings
from services.notifications.settings import load_settings
from services.notifications.signing_in import SigningIn
from services.notifications.store import NotificationsStore
from services.notifications.timers import Timers
from services.notifications.warnings import Warnings


@functools.lru_cache(maxsize=4)
def channels_of(settings):
    """The channel adapters of these settings, made once (they keep HTTP sessions)."""
    return channels_from_settings(settings.providers, settings.send_timeout_seconds)


def _handler_of(source, event_type):
    """An event handler named after its event (the same name whichever version it reads, so
    its claims of the events already handled still hold) that hands the event to the
    delivering."""
    def handle(self, envelope):
        self.delivering.notify(envelope)
    handle.__name__ = handle.__qualname__ = f"on_{event_type}"
    return consumes(source, event_type, domain.version_of(source, event_type))(handle)


class NotificationsService(FangxinService):
    name = "notifications"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "retry_deliveries")

    store = Mongo(NotificationsStore)
    clock = ClockProvider()
    settings = PerProcess(load_settings)
    # the store writes of the events this process handles at the same moment, made together
    store_batches = PerProcess(Coalescer)

    # --- the application, made for each worker from its dependencies ---------------------------

    @cached_property
    def channels(self):
        return channels_of(self.settings)

    @cached_property
    def delivering(self):
        return Delivering(self.store, self.clock, self.settings, self.channels,
                          self.store_batches)

    @cached_property
    def timers(self):
        return Timers(self.store, self.clock, self.delivering)

    @cached_property
    def inbox_of(self):
        return Inbox(self.store, self.clock)

    @cached_property
    def signing_in(self):
        return SigningIn(self.store, self.clock, self.settings, self.channels)

    @cached_property
    def warnings(self):
        return Warnings(self.store, self.clock, self.settings)

    # --- deliveries with retries (the events' handlers are made below the class) ---------------

    @schedule(interval=lambda: load_settings().retry_scan_seconds)
    def retry_deliveries(self):
        self.timers.retry_deliveries()

    @rpc
    def deliveries(self, actor, cursor=None, limit=20):
        """The actor's own deliveries on e-mail, SMS and WeChat, with their status."""
        return self.inbox_of.deliveries(Actor.from_dict(actor).recipient, cursor, limit)

    # --- the inbox and preferences -------------------------------------------------------------

    @rpc
    def inbox(self, actor, unread_only=False, cursor=None, limit=20):
        return self.inbox_of.page(Actor.from_dict(actor), unread_only, cursor, limit)

    @rpc
    def mark_read(self, actor, notification_id):
        return self.inbox_of.mark_read(Actor.from_dict(actor), notification_id)

    @rpc
    def get_preferences(self, actor):
        return self.inbox_of.preferences(Actor.from_dict(actor).recipient)

    @rpc
    def set_preferences(self, actor, payload):
        actor = Actor.from_dict(actor)
        return self.inbox_of.set_preferences(actor, validated(PreferencesSchema(), payload))

    # --- signing in with a code sent by SMS ----------------------------------------------------

    @rpc
    def send_sign_in_code(self, phone_text, locale=None):
        """Sends a new code to the phone: how long it is valid."""
        return self.signing_in.send_code(phone_text, locale)

    @rpc
    def sign_in_with_code(self, phone_text, code):
        """The consumer's subject once ``code`` is the phone's live code (spent then)."""
        return self.signing_in.sign_in(phone_text, code)

    # --- consumer warnings ---------------------------------------------------------------------

    @rpc
    def draft_warning(self, actor, payload):
        actor = Actor.from_dict(actor)
        draft = validated(WarningDraftSchema(), payload)
        if not actor.has_jurisdiction_over(draft["region"]):
            raise forbidden("OUT_OF_JURISDICTION", "that region is outside your jurisdiction")
        return self.warnings.draft(actor, draft)

    @rpc
    def publish_warning(self, actor, warning_id):
        return self.warnings.publish(Actor.from_dict(actor), warning_id)

    @rpc
    def get_warning(self, actor, warning_id):
        return self.warnings.seen_by(Actor.from_dict(actor), warning_id)

    @rpc
    def public_warnings(self, query):
        return self.warnings.public_page(query.get("region"), query.get("cursor"),
                                         query.get("limit", 20))

    @consumes("notifications", "warning_published")
    def on_warning_published(self, envelope):
        self.warnings.fan_out(envelope)


# one handler per event that some rule of domain.RULES turns into messages
for _source, _event_type in domain.RULES:
    setattr(NotificationsService, f"on_{_event_type}", _handler_of(_source, _event_type))
