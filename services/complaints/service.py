"""Complaints entrypoints: filing and screening, the lifecycle, deadlines, disclosure,
statistics and hot spots."""
import logging
import time
import uuid
from datetime import date

from contracts.schemas.complaints import (
    ComplaintFilingSchema,
    DecisionSchema,
    MediationSchema,
    MerchantAnswerSchema,
    SatisfactionSchema,
    ScreeningSchema,
)
from plumbing.actors import Actor, jurisdiction_of
from plumbing.clock import ClockProvider, from_rfc3339, shifted, to_rfc3339
from plumbing.config import PerProcess, env_float
from plumbing.documents import visible
from plumbing.errors import conflict, forbidden, invalid, not_found, unavailable, validated
from plumbing.keys import region_prefix
from plumbing.mongo import Mongo
from plumbing.pagination import KeyRange
from plumbing.retention import stamp
from plumbing.rpc import BoundedRpcProxy
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from services.complaints import analytics, figures, lifecycle, listing, masking, metrics
from services.complaints.events import CONTRACTS as EVENT_CONTRACTS
from services.complaints.settings import load_settings
from services.complaints.store import COMPLAINTS, HOTSPOTS, THRESHOLD_REPORTS, ComplaintsStore

log = logging.getLogger(__name__)

SLA_SCAN_SECONDS = env_float("COMPLAINT_SLA_SCAN_SECONDS", 60)
HOTSPOT_SCAN_SECONDS = env_float("HOTSPOT_SCAN_SECONDS", 300)
FILING_WAIT_SECONDS = 2     # below the gateway's RPC timeout
FILING_POLL_SECONDS = 0.1


class ComplaintsService(FangxinService):
    name = "complaints"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "watch_deadlines", "find_hotspots")

    store = Mongo(ComplaintsStore)
    clock = ClockProvider()
    registry = BoundedRpcProxy("registry")
    settings = PerProcess(load_settings)
    # masking names in public summaries needs jieba's tagger: 1-2 s to load, at start rather
    # than in the first request (whose store page waits 1 s for the figures)
    names_tagger = PerProcess(masking.load_segmenter)

    # --- plumbing of this service -------------------------------------------------------------

    def _complaint(self, complaint_id):
        complaint = self.store.get(complaint_id)
        if complaint is None:
            raise not_found(message="no such complaint")
        return complaint

    def _step(self, complaint_id, decide):
        return self._versioned(COMPLAINTS, lambda: self._complaint(complaint_id), decide)

    # --- filing --------------------------------------------------------------------------------

    @rpc
    def file_complaint(self, actor, payload):
        actor = Actor.from_dict(actor)
        if actor.role != "consumer":
            raise forbidden(message="consumers file complaints")
        filing = validated(ComplaintFilingSchema(), payload)
        now_moment = self.clock.now()
        if filing["occurred_on"] > now_moment.date():
            raise invalid({"occurred_on": ["cannot be in the future"]})
        merchant = self._merchant_standing(filing)
        now, settings = to_rfc3339(now_moment), self.settings
        key = f"{actor.sub}:{merchant['merchant_id']}:{filing['category']}"
        complaint_id = uuid.uuid4().hex
        self._claim_filing(key, complaint_id, now, settings)
        try:
            complaint = self._store_new(complaint_id, actor, filing, merchant, now, settings)
        except Exception:
            self.store.release_filing(key, now)
            raise
        self._report_if_over_threshold(complaint, now, settings)
        return lifecycle.view_for(complaint, actor)

    def _claim_filing(self, key, complaint_id, now, settings):
        """Claims the filing, waiting a moment while the same complaint is being filed; 409 once
        it exists, 503 while a filing that may have died holds the claim (its lease runs)."""
        window_start = shifted(now, -settings.duplicate_window_seconds)
        stale_before = shifted(now, -settings.filing_lease_seconds)
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
            time.sleep(FILING_POLL_SECONDS)

    def _merchant_standing(self, filing):
        if "store_code" in filing:
            standing = self.registry.standing_by_store_code(filing["store_code"])
        else:
            standing = self.registry.standing(filing["merchant_id"])
        if not standing["known"]:
            raise not_found("MERCHANT_NOT_FOUND", "no such merchant in the registry")
        return standing

    def _store_new(self, complaint_id, actor, filing, merchant, now, settings):
        recent = self.store.merchants_complained_about_by(
            actor.sub, shifted(now, -settings.claimant_window_seconds))
        flagged = lifecycle.looks_like_professional_claimant(
            recent + [merchant["merchant_id"]], settings)
        complaint, events = lifecycle.new_complaint(complaint_id, actor.sub, filing,
                                                    merchant, now, settings, flagged)
        self.store.insert_complaint(complaint, self._envelopes(events))
        metrics.FILED.labels("flagged" if flagged else "forwarded").inc()
        return complaint

    def _report_if_over_threshold(self, complaint, now, settings):
        """Tells the registry, once per window, of a merchant with too many complaints."""
        window = settings.merchant_threshold_window_seconds
        report_id = f"{complaint['merchant_id']}:{period_of(now, window)}"
        if self.store.reported(report_id):
            return
        recent = self.store.filed_against(complaint["merchant_id"], shifted(now, -window))
        for over in analytics.merchants_over_threshold(recent, now, window,
                                                       settings.merchant_threshold):
            report = {"_id": report_id, **over, "at": now, **stamp(now, report_id)}
            self.store.add_once(THRESHOLD_REPORTS, report, self._envelopes([(
                "merchant_complaint_threshold_exceeded",
                {**over, "threshold": settings.merchant_threshold})]))

    # --- reading -------------------------------------------------------------------------------

    @rpc
    def get_complaint(self, actor, complaint_id):
        actor = Actor.from_dict(actor)
        complaint = self._complaint(complaint_id)
        shown = lifecycle.view_for(complaint, actor)
        if shown is None:
            if actor.role == "regulator":
                raise forbidden("OUT_OF_JURISDICTION", "the complaint is outside your region")
            raise forbidden()
        return shown

    @rpc
    def list_complaints(self, actor, query):
        actor = Actor.from_dict(actor)
        ranges, accept = listing.list_ranges(actor, query)
        complaints, next_cursor = self.store.page(ranges, accept, query.get("cursor"),
                                                  query.get("limit", 20))
        return {"items": [lifecycle.view_for(c, actor) for c in complaints],
                "next_cursor": next_cursor}

    # --- the lifecycle -------------------------------------------------------------------------

    @rpc
    def respond(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(MerchantAnswerSchema(), payload)
        complaint = self._step(complaint_id, lambda c: lifecycle.respond(
            c, actor, body, self._now()))
        metrics.RESPONSE_SECONDS.observe((from_rfc3339(complaint["responded_at"]) -
                                          from_rfc3339(complaint["forwarded_at"]))
                                         .total_seconds())
        return lifecycle.view_for(complaint, actor)

    @rpc
    def decide(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(DecisionSchema(), payload)
        return lifecycle.view_for(self._step(complaint_id, lambda c: lifecycle.decide(
            c, actor, body["accept"], body["comment"], self._now(), self.settings)), actor)

    @rpc
    def mediate(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(MediationSchema(), payload)
        return lifecycle.view_for(self._step(complaint_id, lambda c: lifecycle.mediate(
            c, actor, body, self._now())), actor)

    @rpc
    def withdraw(self, actor, complaint_id):
        actor = Actor.from_dict(actor)
        return lifecycle.view_for(self._step(complaint_id, lambda c: lifecycle.withdraw(
            c, actor, self._now())), actor)

    @rpc
    def rate(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(SatisfactionSchema(), payload)
        return lifecycle.view_for(self._step(complaint_id, lambda c: lifecycle.rate(
            c, actor, body["satisfaction"], self._now())), actor)

    @rpc
    def screen(self, actor, complaint_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ScreeningSchema(), payload)
        return lifecycle.view_for(self._step(complaint_id, lambda c: lifecycle.screen(
            c, actor, body["decision"], body["notes"], self._now(), self.settings)), actor)

    # --- disclosure, statistics, hot spots ---------------------------------------------------

    @rpc
    def preview_publication(self, title, description):
        """What a complaint with this title and description would be published as, if its
        consumer consents: exactly what ``public_disclosure`` shows of it."""
        if not isinstance(title, str) or not isinstance(description, str):
            raise invalid({"title": ["text"], "description": ["text"]})
        return analytics.published_text(title[:100], description[:2000])

    @rpc
    def public_disclosure(self, merchant_id, with_summaries=True):
        """The unit's public figures and, unless ``with_summaries`` is false (the store page
        shows only the figures), its latest published summaries."""
        today = figures.utc_day(self._now())
        sums = self.store.counter_sums(figures.disclosure_ranges(merchant_id, today))
        disclosure = {"merchant_id": merchant_id, **figures.public_figures(sums, today)}
        if with_summaries:
            summaries = self.store.public_summaries(
                merchant_id, figures.disclosure_window_start(today), analytics.SUMMARY_LIMIT)
            disclosure["summaries"] = [analytics.public_summary(c) for c in summaries]
        return disclosure

    @rpc
    def statistics(self, actor, query):
        actor = Actor.from_dict(actor)
        region = query.get("region") or actor.region
        within = jurisdiction_of(actor, region)
        first, last = (date.fromisoformat(query[name]) if query.get(name) else None
                       for name in ("from_", "to"))
        sums = self.store.counter_sums(figures.regulator_ranges(within, first, last))
        return {"region": region, "from": query.get("from_"), "to": query.get("to"),
                **figures.regulator_statistics(sums)}

    @rpc
    def hotspots(self, actor, query):
        actor = Actor.from_dict(actor)
        field, first = region_prefix("k_region", jurisdiction_of(actor))
        spots, next_cursor = self.store.hotspot_page(KeyRange(field, first),
                                                     query.get("cursor"), query.get("limit", 20))
        return {"items": [visible(spot) for spot in spots], "next_cursor": next_cursor}

    # --- schedules -----------------------------------------------------------------------------

    @schedule(interval=SLA_SCAN_SECONDS)
    def watch_deadlines(self):
        """Escalates overdue complaints, reminds merchants of near deadlines, and refreshes
        the status figures."""
        now, settings = self._now(), self.settings
        for complaint in self.store.overdue(now):
            saved = self._step(complaint["_id"], lambda c: lifecycle.escalate_if_overdue(
                c, now, settings))
            if saved.get("escalated"):
                metrics.SLA_BREACHES.inc()
        until = shifted(now, settings.remind_before_seconds)
        for complaint in self.store.due_for_reminder(until):
            self._step(complaint["_id"], lambda c: lifecycle.remind_if_due(c, now, settings))
        metrics.publish_counts(self.store.count_by_status())

    @schedule(interval=HOTSPOT_SCAN_SECONDS)
    def find_hotspots(self):
        now, settings = self._now(), self.settings
        window = settings.hotspot_window_seconds
        recent = self.store.filed_since(shifted(now, -2 * window),
                                        ("region", "industry", "category", "filed_at"))
        for spot in analytics.detect_hotspots(recent, now, window, settings.hotspot_min_count,
                                              settings.hotspot_min_growth):
            # one hot spot per group and period, however many scans see it hot
            spot["hotspot_id"] = analytics.hotspot_id(
                spot["region"], spot["industry"], spot["category"],
                f"period-{period_of(now, window)}")
            document = {"_id": spot["hotspot_id"], **spot, "detected_at": now}
            self.store.add_once(HOTSPOTS, document, self._envelopes([("hotspot_detected",
                                                                      spot)]))


def period_of(now, window_seconds):
    """The number of the ``window_seconds``-long period ``now`` falls in."""
    return int(from_rfc3339(now).timestamp() // window_seconds)
