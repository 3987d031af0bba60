"""Filing a complaint: the merchant asked of the registry, the duplicate claim (one complaint
per consumer, merchant and category within the window), the professional-claimant flag, the
complaint stored with its events, and the merchant reported once per window when its complaints
cross the threshold."""
import time
import uuid

from plumbing.clock import shifted, to_rfc3339
from plumbing.errors import conflict, invalid, not_found, unavailable
from plumbing.retention import stamp
from services.complaints import analytics, lifecycle, metrics
from services.complaints.events import envelopes
from services.complaints.store import THRESHOLD_REPORTS

FILING_WAIT_SECONDS = 2     # below the gateway's RPC timeout
FILING_POLL_SECONDS = 0.1


class Filing:
    def __init__(self, store, clock, settings, registry, sleep=None):
        """``registry``: the registry's RPC proxy (``standing``, ``standing_by_store_code``);
        ``sleep`` waits between two looks at a filing in progress (default: ``time.sleep``,
        looked up when it waits: eventlet's once monkey-patched)."""
        self.store, self.clock, self.settings = store, clock, settings
        self.registry, self.sleep = registry, sleep

    def file(self, actor, filing):
        """The complaint a consumer (an Actor) files with a decoded ``filing``, as they see
        it."""
        now_moment = self.clock.now()
        if filing["occurred_on"] > now_moment.date():
            raise invalid({"occurred_on": ["cannot be in the future"]})
        merchant = self._merchant_standing(filing)
        now, settings = to_rfc3339(now_moment), self.settings
        key = f"{actor.sub}:{merchant['merchant_id']}:{filing['category']}"
        complaint_id = uuid.uuid4().hex
        self._claim_filing(key, complaint_id, now)
        try:
            complaint = self._store_new(complaint_id, actor, filing, merchant, now)
        except Exception:
            self.store.release_filing(key, now)
            raise
        self._report_if_over_threshold(complaint, now, settings)
        return lifecycle.view_for(complaint, actor)

    def _claim_filing(self, key, complaint_id, now):
        """Claims the filing, waiting a moment while the same complaint is being filed; 409 once
        it exists, 503 while a filing that may have died holds the claim (its lease runs)."""
        window_start = shifted(now, -self.settings.duplicate_window_seconds)
        stale_before = shifted(now, -self.settings.filing_lease_seconds)
        deadline = time.monotonic() + FILING_WAIT_SECONDS
        while True:
            state = self.store.claim_filing(key, complaint_id, now, window_start, stale_before)
            if state == "claimed":
                return
            if state == "filed":
                raise conflict("DUPLICATE_COMPLAINT", "you filed this complaint against this "
                                                      "merchant within the last 24 hours")
            if time.monotonic() > deadline:
                raise unavailable("this complaint is being filed already; retry shortly")
            (self.sleep or time.sleep)(FILING_POLL_SECONDS)

    def _merchant_standing(self, filing):
        if "store_code" in filing:
            standing = self.registry.standing_by_store_code(filing["store_code"])
        else:
            standing = self.registry.standing(filing["merchant_id"])
        if not standing["known"]:
            raise not_found("MERCHANT_NOT_FOUND", "no such merchant in the registry")
        return standing

    def _store_new(self, complaint_id, actor, filing, merchant, now):
        settings = self.settings
        recent = self.store.merchants_complained_about_by(
            actor.sub, shifted(now, -settings.claimant_window_seconds))
        flagged = lifecycle.looks_like_professional_claimant(
            recent + [merchant["merchant_id"]], settings)
        complaint, events = lifecycle.new_complaint(complaint_id, actor.sub, filing,
                                                    merchant, now, settings, flagged)
        self.store.insert_complaint(complaint, envelopes(events, self.clock))
        metrics.FILED.labels("flagged" if flagged else "forwarded").inc()
        return complaint

    def _report_if_over_threshold(self, complaint, now, settings):
        """Tells the registry, once per window, of a merchant with too many complaints."""
        window = settings.merchant_threshold_window_seconds
        report_id = f"{complaint['merchant_id']}:{analytics.period_of(now, window)}"
        if self.store.reported(report_id):
            return
        recent = self.store.filed_against(complaint["merchant_id"], shifted(now, -window))
        for over in analytics.merchants_over_threshold(recent, now, window,
                                                       settings.merchant_threshold):
            report = {"_id": report_id, **over, "at": now, **stamp(now, report_id)}
            self.store.add_once(THRESHOLD_REPORTS, report, envelopes([(
                "merchant_complaint_threshold_exceeded",
                {**over, "threshold": settings.merchant_threshold})], self.clock))
