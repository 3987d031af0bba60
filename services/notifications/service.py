"""Notifications entrypoints: event consumers that decide who hears what, deliveries with
retries, the inbox, preferences, and consumer warnings with their fan-out."""
import functools
import logging
import uuid
from datetime import timedelta

from contracts.identifiers import phone_of
from contracts.schemas.notifications import PreferencesSchema, WarningDraftSchema
from plumbing.actors import Actor, jurisdiction_prefix
from plumbing.clock import ClockProvider, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.config import PerProcess, env_float
from plumbing.consumers import consumes
from plumbing.documents import visible
from plumbing.errors import (
    DomainError,
    conflict,
    forbidden,
    invalid,
    not_found,
    unavailable,
    validated,
)
from plumbing.mongo import Mongo
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from plumbing.versioned import Change
from services.notifications import domain, listing, metrics, sign_in
from services.notifications.channels import DeliveryFailed, backoff_seconds
from services.notifications.events import CONTRACTS as EVENT_CONTRACTS
from services.notifications.providers import channels_from_settings
from services.notifications.settings import load_settings
from services.notifications.store import WARNINGS, NotificationsStore
from services.notifications.templates import render

log = logging.getLogger(__name__)

RETRY_SCAN_SECONDS = env_float("NOTIFY_RETRY_SCAN_SECONDS", 5)
ATTEMPT_LEASE_SECONDS = 60
_store_batches = Coalescer()


@functools.lru_cache(maxsize=4)
def channels_of(settings):
    """The channel adapters of these settings, made once (they keep HTTP sessions)."""
    return channels_from_settings(settings.providers, settings.send_timeout_seconds)


def view(message):
    return {"notification_id": message["_id"], **visible(message, "warning_id"),
            "read": message["read_at"] is not None}


def _handler_of(source, event_type):
    """An event handler named after its event that hands the event to ``_notify``."""
    def handle(self, envelope):
        self._notify(envelope)
    handle.__name__ = handle.__qualname__ = f"on_{event_type}"
    return consumes(source, event_type)(handle)


class NotificationsService(FangxinService):
    name = "notifications"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "retry_deliveries")

    store = Mongo(NotificationsStore)
    clock = ClockProvider()
    settings = PerProcess(load_settings)

    # --- who hears what ------------------------------------------------------------------------

    def _notify(self, envelope):
        self._together("audience", domain.audience_regions(envelope),
                       self.store.remember_audience)
        intents = domain.intents_for(envelope)
        for intent, preferences in zip(intents, self._together(
                "preferences", [i.recipient for i in intents], self._preferences_each)):
            title, body = render(intent.template, preferences["locale"], intent.context)
            for channel, address in domain.deliveries_for(intent, preferences):
                self._deliver(envelope, intent, channel, address, title, body)

    def _deliver(self, envelope, intent, channel, address, title, body):
        now = self._now()
        message_id = domain.message_id(envelope["event_id"], intent.recipient, channel)
        common = {"_id": message_id, "recipient": intent.recipient, "topic": intent.topic,
                  "title": title, "body": body, "event_type": envelope["type"],
                  "event_id": envelope["event_id"], "created_at": now}
        if channel == "inbox":
            if self._together("messages", [{**common, "read_at": None}],
                              self.store.add_messages)[0]:
                metrics.MESSAGES.labels("inbox", "sent").inc()
                log.info("inbox message stored", extra={"recipient": intent.recipient,
                                                        "event_type": envelope["type"]})
            return
        delivery = {**common, "channel": channel, "address": address,
                    "template": intent.template, "critical": intent.critical,
                    "status": "pending", "attempts": 0, "next_attempt_at": now,
                    "last_error": None, "sent_at": None, "occurred_at": envelope["occurred_at"]}
        if self.store.add_delivery(delivery):
            self._attempt(delivery)

    def _preferences(self, recipient):
        return self.store.preferences(recipient) or domain.default_preferences(recipient)

    def _preferences_each(self, recipients):
        stored = self.store.preferences_of(recipients)
        return [stored.get(r) or domain.default_preferences(r) for r in recipients]

    def _together(self, what, items, run_all):
        """``run_all`` over ``items`` and those of the events this process handles at the same
        moment: one store round trip for them all (plumbing/coalesce.py)."""
        return _store_batches.submit_many((what, self.store.db.name), items, run_all)

    # --- deliveries with retries ---------------------------------------------------------------

    def _attempt(self, delivery):
        now = self.clock.now()
        claimed = self.store.claim_attempt(delivery, to_rfc3339(
            now + timedelta(seconds=ATTEMPT_LEASE_SECONDS)))
        if claimed is None:
            return
        channel = channels_of(self.settings)[claimed["channel"]]
        try:
            channel.send(claimed["address"], claimed["title"], claimed["body"],
                         claimed["template"])
        except DeliveryFailed as failure:
            self._failed(claimed, failure.reason)
            return
        sent_at = self.clock.now()
        self.store.finish_attempt(claimed, {"status": "sent", "sent_at": to_rfc3339(sent_at)})
        metrics.MESSAGES.labels(claimed["channel"], "sent").inc()
        metrics.observe_latency(claimed["channel"], claimed["occurred_at"], sent_at)

    def _failed(self, delivery, reason):
        settings, attempts = self.settings, delivery["attempts"]
        if attempts < settings.max_attempts:
            wait = backoff_seconds(attempts, settings.retry_base_seconds,
                                   settings.retry_cap_seconds)
            self.store.finish_attempt(delivery, {
                "last_error": reason, "next_attempt_at": to_rfc3339(
                    self.clock.now() + timedelta(seconds=wait))})
            metrics.RETRIES.labels(delivery["channel"]).inc()
            return
        self.store.finish_attempt(delivery, {"status": "failed", "last_error": reason,
                                             "finished_at": self._now()},
                                  self._envelopes([("notification_failed", {
                                      "notification_id": delivery["_id"],
                                      "recipient": delivery["recipient"],
                                      "channel": delivery["channel"],
                                      "event_type": delivery["event_type"],
                                      "attempts": attempts, "reason": reason})]))
        metrics.MESSAGES.labels(delivery["channel"], "failed").inc()

    @schedule(interval=RETRY_SCAN_SECONDS)
    def retry_deliveries(self):
        for delivery in self.store.due_deliveries(self._now()):
            self._attempt(delivery)

    @rpc
    def deliveries(self, actor, cursor=None, limit=20):
        """The actor's own deliveries on e-mail, SMS and WeChat, with their status."""
        recipient = Actor.from_dict(actor).recipient
        found, next_cursor = self.store.deliveries_of(recipient, cursor, limit)
        return {"items": [delivery_view(d) for d in found], "next_cursor": next_cursor}

    # --- the inbox and preferences -------------------------------------------------------------

    @rpc
    def inbox(self, actor, unread_only=False, cursor=None, limit=20):
        ranges, accept = listing.inbox_ranges(Actor.from_dict(actor), unread_only)
        messages, next_cursor = self.store.inbox(ranges, accept, cursor, limit)
        return {"items": [view(m) for m in messages], "next_cursor": next_cursor}

    @rpc
    def mark_read(self, actor, notification_id):
        message = self.store.message(notification_id)
        if message is None or not listing.reads(Actor.from_dict(actor), message):
            raise not_found(message="no such notification")
        return view(self.store.mark_read(message, self._now()))

    @rpc
    def get_preferences(self, actor):
        recipient = Actor.from_dict(actor).recipient
        stored = self._preferences(recipient)
        return {k: v for k, v in stored.items() if k != "_id"} | {"recipient": recipient}

    @rpc
    def set_preferences(self, actor, payload):
        actor = Actor.from_dict(actor)
        preferences = validated(PreferencesSchema(), payload)
        self.store.save_preferences(actor.recipient, {**preferences,
                                                      "recipient": actor.recipient})
        if actor.role == "consumer" and preferences["region"]:
            self.store.remember_audience([(actor.sub, preferences["region"])])
        return {**preferences, "recipient": actor.recipient}

    # --- signing in with a code sent by SMS (services/notifications/sign_in.py) --------------

    @rpc
    def send_sign_in_code(self, phone_text, locale=None):
        """Sends a new code to the phone: how long it is valid."""
        rules, phone = self._sign_in_rules(), self._phone(phone_text)
        key, now = sign_in.phone_key(rules, phone), self.clock.now().timestamp()
        record = self.store.sign_in(key)
        wait = sign_in.may_send(rules, record, now)
        if wait:
            raise DomainError("RATE_LIMITED", f"too many codes for this phone; retry in {wait} s",
                              429, {"retry_after_seconds": wait})
        code = sign_in.new_code()
        self.store.save_sign_in(key, sign_in.issued(rules, record, phone, code, now))
        title, body = render("sign_in_code", locale, {"code": code,
                                                      "minutes": rules.code_seconds // 60})
        try:
            channels_of(self.settings)["sms"].send(phone, title, body, "sign_in_code")
        except DeliveryFailed as failure:
            log.warning("sign-in code not sent", extra={"reason": failure.reason})
            raise unavailable("the code could not be sent; retry shortly") from None
        return {"expires_in_seconds": rules.code_seconds}

    @rpc
    def sign_in_with_code(self, phone_text, code):
        """The consumer's subject once ``code`` is the phone's live code (spent then); the
        phone becomes the address of their SMS."""
        rules, phone = self._sign_in_rules(), self._phone(phone_text)
        key, now = sign_in.phone_key(rules, phone), self.clock.now().timestamp()
        record = self.store.take_try(key, now)
        verdict = sign_in.verdict(rules, record, phone, code, now)
        if verdict != "ok" or not self.store.use_code(key, record["digest"]):
            left = max(0, record["tries_left"] - 1) if verdict == "wrong" else 0
            raise DomainError("UNAUTHENTICATED", "the code is wrong or no longer valid", 401,
                              {"tries_left": left})
        subject = sign_in.subject_of(rules, phone)
        self.store.remember_phone(f"user:{subject}", phone)
        return {"sub": subject}

    def _sign_in_rules(self):
        rules = self.settings.sign_in
        if not rules.secret:
            raise unavailable("signing in with a code is not configured (SIGN_IN_SECRET)")
        return rules

    @staticmethod
    def _phone(text):
        phone = phone_of(text)
        if phone is None:
            raise invalid({"phone": ["a mainland mobile number: 11 digits, starting with 1"]})
        return phone

    # --- consumer warnings ---------------------------------------------------------------------

    @rpc
    def draft_warning(self, actor, payload):
        actor = Actor.from_dict(actor)
        draft = validated(WarningDraftSchema(), payload)
        if not actor.has_jurisdiction_over(draft["region"]):
            raise forbidden("OUT_OF_JURISDICTION", "that region is outside your jurisdiction")
        warning = {"_id": uuid.uuid4().hex, **draft, "status": "draft",
                   "created_by": actor.sub, "created_at": self._now(), "published_at": None,
                   "fanout": None, "version": 1}
        self.store.insert_warning(warning)
        return warning_view(warning)

    @rpc
    def publish_warning(self, actor, warning_id):
        actor = Actor.from_dict(actor)

        def publish(warning):
            if not actor.has_jurisdiction_over(warning["region"]):
                raise forbidden("OUT_OF_JURISDICTION", "the warning is outside your region")
            if warning["status"] != "draft":
                raise conflict("WRONG_STATE", "the warning is already published")
            now = self._now()
            return Change({"status": "published", "published_at": now, "published_by":
                           actor.sub}, [("warning_published", {
                               "warning_id": warning["_id"], "title": warning["title"],
                               "body": warning["body"], "region": warning["region"],
                               "industry": warning["industry"],
                               "category": warning["category"]})])

        return warning_view(self._versioned(WARNINGS, lambda: self._warning(warning_id),
                                            publish))

    def _warning(self, warning_id):
        warning = self.store.warning(warning_id)
        if warning is None:
            raise not_found(message="no such warning")
        return warning

    @rpc
    def get_warning(self, actor, warning_id):
        warning = self._warning(warning_id)
        if not Actor.from_dict(actor).has_jurisdiction_over(warning["region"]):
            raise forbidden("OUT_OF_JURISDICTION", "the warning is outside your region")
        return warning_view(warning)

    @rpc
    def public_warnings(self, query):
        warnings, next_cursor = self.store.published_warnings(
            query.get("region"), query.get("cursor"), query.get("limit", 20))
        return {"items": [warning_view(w, public=True) for w in warnings],
                "next_cursor": next_cursor}

    @consumes("notifications", "warning_published")
    def on_warning_published(self, envelope):
        """Fans a published warning out to the consumers of its region, batch by batch in the
        audience's key order (a retry goes on from the last batch recorded), with at most
        ``WARNINGS_PER_CONSUMER_PER_DAY`` warnings a day each."""
        data, settings = envelope["data"], self.settings
        warning = self._warning(data["warning_id"])
        if warning.get("fanout") is not None:
            return
        fanout = domain.resumed_fanout(warning.get("fanout_progress"))
        now = self.clock.now()
        day, at = now.date().isoformat(), to_rfc3339(now)
        within = jurisdiction_prefix(data["region"])
        while True:
            entries, cursor = self.store.audience_page(within, fanout["cursor"],
                                                       settings.warning_batch_size)
            self._fan_out(envelope, [f"user:{e['consumer']}" for e in entries], day, at,
                          fanout)
            fanout["cursor"] = cursor
            if cursor is None:
                break
            self.store.record_fanout(data["warning_id"], fanout, finished=False)
        del fanout["cursor"]
        self.store.record_fanout(data["warning_id"], fanout, finished=True)
        metrics.FANOUT.observe(fanout["audience"])
        log.info("warning fanned out", extra={"warning_id": data["warning_id"], **fanout})

    def _fan_out(self, envelope, recipients, day, now, fanout):
        """One batch. A consumer's warnings of a day are its messages ``1`` to
        ``WARNINGS_PER_CONSUMER_PER_DAY`` of that day (``domain.warning_slot``): a message takes
        the first free one, and finding none is the throttle. The ids keep it without counting,
        also against warnings fanned out at the same moment; a slot this warning took before (a
        fan-out going on after a crash) is not taken again."""
        warning_id, waiting = envelope["data"]["warning_id"], sorted(set(recipients))
        messages = dict(zip(waiting, self._warning_messages(envelope, waiting, now)))
        for slot in range(1, self.settings.warnings_per_day + 1):
            if not waiting:
                return
            ids = {r: domain.warning_slot(r, day, slot) for r in waiting}
            added = self.store.add_messages([{**messages[r], "_id": ids[r]} for r in waiting])
            refused = [r for r, ok in zip(waiting, added) if not ok]
            taken_by = self.store.warning_of_messages([ids[r] for r in refused])
            waiting = [r for r in refused if taken_by.get(ids[r]) != warning_id]
            delivered = len(added) - len(refused)
            fanout["delivered"] += delivered
            fanout["audience"] += delivered
        fanout["throttled"] += len(waiting)
        fanout["audience"] += len(waiting)

    def _warning_messages(self, envelope, recipients, now):
        locales = {r: p.get("locale", "zh-CN")
                   for r, p in self.store.preferences_of(recipients).items()}
        rendered = {}
        messages = []
        for recipient in recipients:
            locale = locales.get(recipient, "zh-CN")
            if locale not in rendered:
                rendered[locale] = render("consumer_warning", locale, envelope["data"])
            title, body = rendered[locale]
            messages.append({"recipient": recipient, "topic": "warning", "title": title,
                             "body": body, "event_type": "warning_published",
                             "event_id": envelope["event_id"], "created_at": now,
                             "read_at": None, "warning_id": envelope["data"]["warning_id"]})
        return messages


# one handler per event that some rule of domain.RULES turns into messages
for _source, _event_type in domain.RULES:
    setattr(NotificationsService, f"on_{_event_type}", _handler_of(_source, _event_type))


def delivery_view(delivery):
    shown = ("channel", "topic", "title", "event_type", "status", "attempts", "last_error",
             "created_at", "sent_at")
    return {"notification_id": delivery["_id"], **{k: delivery.get(k) for k in shown}}


def warning_view(warning, public=False):
    hidden = ("created_by", "published_by", "fanout", "hotspot_id") if public else ()
    return {"warning_id": warning["_id"], **visible(warning, "fanout_progress", *hidden)}
