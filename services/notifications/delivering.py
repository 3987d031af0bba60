"""An event told to the people it concerns: its messages put in their inboxes and sent on the
channels their preferences name (deduplicated on event, recipient and channel), each delivery
attempted at once and retried with backoff until it is sent or fails for good.

The writes of the events handled at the same moment go to the store together (the process's
Coalescer, plumbing/coalesce.py): one round trip for their audience, one for their recipients'
preferences, one for their inbox messages."""
import logging
from datetime import timedelta

from plumbing.clock import to_rfc3339
from services.notifications import domain, metrics
from services.notifications.channels import DeliveryFailed, backoff_seconds
from services.notifications.events import envelopes
from services.notifications.templates import render

log = logging.getLogger(__name__)

ATTEMPT_LEASE_SECONDS = 60


class Delivering:
    def __init__(self, store, clock, settings, channels, batches):
        """``channels``: the channel adapters by name (providers.channels_from_settings);
        ``batches``: the process's Coalescer of store writes."""
        self.store, self.clock, self.settings = store, clock, settings
        self.channels, self.batches = channels, batches

    # --- who hears what ------------------------------------------------------------------------

    def notify(self, envelope):
        """The messages of an event (domain.RULES) to their recipients, on every channel."""
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
            self.attempt(delivery)

    def _preferences_each(self, recipients):
        stored = self.store.preferences_of(recipients)
        return [stored.get(r) or domain.default_preferences(r) for r in recipients]

    def _together(self, what, items, run_all):
        """``run_all`` over ``items`` and those of the events this process handles at the same
        moment: one store round trip for them all (plumbing/coalesce.py)."""
        return self.batches.submit_many(what, items, run_all)

    # --- deliveries with retries ---------------------------------------------------------------

    def attempt(self, delivery):
        """One attempt of a pending delivery, unless another worker holds it."""
        now = self.clock.now()
        claimed = self.store.claim_attempt(delivery, to_rfc3339(
            now + timedelta(seconds=ATTEMPT_LEASE_SECONDS)))
        if claimed is None:
            return
        channel = self.channels[claimed["channel"]]
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
                                  envelopes([("notification_failed", {
                                      "notification_id": delivery["_id"],
                                      "recipient": delivery["recipient"],
                                      "channel": delivery["channel"],
                                      "event_type": delivery["event_type"],
                                      "attempts": attempts, "reason": reason})], self.clock))
        metrics.MESSAGES.labels(delivery["channel"], "failed").inc()

    def _now(self):
        return to_rfc3339(self.clock.now())
