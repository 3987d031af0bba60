"""Consumer warnings: drafted and published by a regulator of their region, read by the public
once published, and a published warning fanned out to the inboxes of its region's consumers,
batch by batch, throttled so nobody gets more than a few a day."""
import logging
import uuid

from plumbing.actors import jurisdiction_prefix
from plumbing.clock import to_rfc3339
from plumbing.documents import visible
from plumbing.errors import conflict, forbidden, not_found
from plumbing.versioned import Change, apply_with_retries
from services.notifications import domain, metrics
from services.notifications.events import envelopes
from services.notifications.store import WARNINGS
from services.notifications.templates import render

log = logging.getLogger(__name__)


class Warnings:
    def __init__(self, store, clock, settings):
        self.store, self.clock, self.settings = store, clock, settings

    # --- drafted, published, read --------------------------------------------------------------

    def draft(self, actor, draft):
        """A new draft of ``draft`` (a WarningDraftSchema's, in the actor's jurisdiction)."""
        warning = {"_id": uuid.uuid4().hex, **draft, "status": "draft",
                   "created_by": actor.sub, "created_at": self._now(), "published_at": None,
                   "fanout": None, "version": 1}
        self.store.insert_warning(warning)
        return warning_view(warning)

    def publish(self, actor, warning_id):
        """Publishes a draft of the actor's region, with its ``warning_published`` event."""
        def publish(warning):
            require_jurisdiction(actor, warning)
            if warning["status"] != "draft":
                raise conflict("WRONG_STATE", "the warning is already published")
            return Change({"status": "published", "published_at": self._now(), "published_by":
                           actor.sub}, [("warning_published", {
                               "warning_id": warning["_id"], "title": warning["title"],
                               "body": warning["body"], "region": warning["region"],
                               "industry": warning["industry"],
                               "category": warning["category"]})])

        return warning_view(apply_with_retries(lambda: self.get(warning_id), publish,
                                               self._save))

    def _save(self, warning, change):
        return self.store.save_versioned(WARNINGS, warning, change.fields,
                                         envelopes(change.events, self.clock))

    def get(self, warning_id):
        warning = self.store.warning(warning_id)
        if warning is None:
            raise not_found(message="no such warning")
        return warning

    def seen_by(self, actor, warning_id):
        """The warning, for a regulator of its region."""
        warning = self.get(warning_id)
        require_jurisdiction(actor, warning)
        return warning_view(warning)

    def public_page(self, region, cursor, limit):
        warnings, next_cursor = self.store.published_warnings(region, cursor, limit)
        return {"items": [warning_view(w, public=True) for w in warnings],
                "next_cursor": next_cursor}

    # --- the fan-out ---------------------------------------------------------------------------

    def fan_out(self, envelope):
        """Fans a published warning out to the consumers of its region, batch by batch in the
        audience's key order (a retry goes on from the last batch recorded), with at most
        ``WARNINGS_PER_CONSUMER_PER_DAY`` warnings a day each."""
        data, settings = envelope["data"], self.settings
        warning = self.get(data["warning_id"])
        if warning.get("fanout") is not None:
            return
        fanout = domain.resumed_fanout(warning.get("fanout_progress"))
        now = self.clock.now()
        day, at = now.date().isoformat(), to_rfc3339(now)
        within = jurisdiction_prefix(data["region"])
        while True:
            entries, cursor = self.store.audience_page(within, fanout["cursor"],
                                                       settings.warning_batch_size)
            self._fan_out_batch(envelope, [f"user:{e['consumer']}" for e in entries], day, at,
                                fanout)
            fanout["cursor"] = cursor
            if cursor is None:
                break
            self.store.record_fanout(data["warning_id"], fanout, finished=False)
        del fanout["cursor"]
        self.store.record_fanout(data["warning_id"], fanout, finished=True)
        metrics.FANOUT.observe(fanout["audience"])
        log.info("warning fanned out", extra={"warning_id": data["warning_id"], **fanout})

    def _fan_out_batch(self, envelope, recipients, day, now, fanout):
        """One batch. A consumer's warnings of a day are its messages ``1`` to
        ``WARNINGS_PER_CONSUMER_PER_DAY`` of that day (``domain.warning_slot``): a message takes
        the first free one, and finding none is the throttle. The ids keep it without counting,
        also against warnings fanned out at the same moment; a slot this warning took before (a
        fan-out going on after a crash) is not taken again."""
        warning_id, waiting = envelope["data"]["warning_id"], sorted(set(recipients))
        messages = dict(zip(waiting, self._messages(envelope, waiting, now)))
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

    def _messages(self, envelope, recipients, now):
        """The warning's inbox message for each recipient, in their language (each language
        rendered once)."""
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

    def _now(self):
        return to_rfc3339(self.clock.now())


def require_jurisdiction(actor, warning):
    """403 OUT_OF_JURISDICTION unless the actor's jurisdiction covers the warning's region."""
    if not actor.has_jurisdiction_over(warning["region"]):
        raise forbidden("OUT_OF_JURISDICTION", "the warning is outside your region")


def warning_view(warning, public=False):
    hidden = ("created_by", "published_by", "fanout", "hotspot_id") if public else ()
    return {"warning_id": warning["_id"], **visible(warning, "fanout_progress", *hidden)}
