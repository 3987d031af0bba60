"""Registry entrypoints: validate → domain → store → events (DESIGN.md rule 3)."""
import logging
import random
import uuid
from datetime import timedelta

from contracts import credit_code
from contracts.catalogue import STANDARD
from contracts.schemas.registry import (
    ActionSchema,
    LicenceEventSchema,
    MerchantApplicationSchema,
    MerchantPatchSchema,
    RatingSchema,
    ReviewSchema,
    ScanCountsSchema,
    SpotCheckRequestSchema,
    SpotCheckResultSchema,
    StarsSchema,
)
from plumbing.actors import Actor, jurisdiction_prefix
from plumbing.clock import ClockProvider, to_rfc3339
from plumbing.config import env_float, env_int
from plumbing.consumers import consumes
from plumbing.documents import visible
from plumbing.errors import conflict, forbidden, invalid, not_found, validated
from plumbing.mongo import Mongo
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from plumbing.versioned import Change
from services.registry import (
    certification,
    domain,
    listing,
    metrics,
    search,
    spot_checks,
    store_page,
)
from services.registry.events import CONTRACTS as EVENT_CONTRACTS
from services.registry.store import MERCHANTS, RegistryStore

log = logging.getLogger(__name__)

SCAN_SECONDS = env_float("REGISTRY_SCAN_SECONDS", 60)


class RegistryService(FangxinService):
    name = "registry"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "scan")

    store = Mongo(RegistryStore)
    clock = ClockProvider()

    # --- plumbing of this service -------------------------------------------------------------

    def _merchant(self, merchant_id):
        merchant = self.store.get_merchant(merchant_id)
        if merchant is None:
            raise not_found("MERCHANT_NOT_FOUND", "no such merchant")
        return merchant

    def _change(self, merchant_id, decide):
        return self._versioned(MERCHANTS, lambda: self._merchant(merchant_id), decide)

    # --- applications --------------------------------------------------------------------------

    @rpc
    def standard(self):
        return {"items": STANDARD}

    @rpc
    def apply(self, actor, payload):
        actor = Actor.from_dict(actor)
        if not actor.merchant_id:
            raise forbidden(message="a merchant account (token with merchant_id) applies")
        application = self._checked_application(payload)
        now = self.clock.now()
        reasons = self._precheck(application, now)
        merchant = domain.new_merchant(actor.merchant_id, application, reasons, actor.sub,
                                       to_rfc3339(now))
        events = [("merchant_applied", domain.applied_event_data(merchant))]
        if reasons:
            events.append(("merchant_rejected", {"merchant_id": merchant["_id"],
                                                 "reasons": reasons}))
        self.store.insert_merchant(merchant, self._envelopes(events))
        log.info("merchant applied", extra={"merchant_id": merchant["_id"],
                                            "status": merchant["status"]})
        return domain.view(merchant)

    def _checked_application(self, payload, schema=None):
        """The validated body, also refused (422) when a licence has already expired."""
        application = validated(schema or MerchantApplicationSchema(), payload)
        expired = domain.expired_licence_errors(application.get("licences", []),
                                                self.clock.now().date())
        if expired:
            raise invalid({"licences": expired})
        return application

    def _precheck(self, application, now):
        return domain.precheck(application, now.date(),
                               self.store.is_abnormal_listed(application["credit_code"]))

    @rpc
    def resubmit(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        application = self._checked_application(payload)

        def decide(merchant):
            certification.ensure_owner(actor, merchant)
            if merchant["status"] != "rejected":
                raise conflict("WRONG_STATE", "only a rejected application is resubmitted",
                               {"status": merchant["status"]})
            if application["credit_code"] != merchant["credit_code"]:
                raise invalid({"credit_code": ["the credit code cannot change"]})
            now = self.clock.now()
            reasons = self._precheck(application, now)
            fields = domain.resubmission(merchant, application, reasons, actor.sub,
                                         to_rfc3339(now))
            events = [("merchant_applied", domain.applied_event_data(
                {**merchant, **fields, "resubmitted": True}))]
            return Change(fields, events)

        return domain.view(self._change(merchant_id, decide))

    @rpc
    def update_merchant(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        updates = self._checked_application(payload, MerchantPatchSchema(partial=True))
        if not updates:
            raise invalid({"_schema": ["send at least one field to change"]})

        def decide(merchant):
            certification.ensure_owner(actor, merchant)
            fields = domain.profile_update(merchant, updates, actor.sub, self._now())
            changed = sorted(updates)
            return Change(fields, [("merchant_updated", {
                "merchant_id": merchant["_id"], "changes": changed, "by": actor.sub})])

        return domain.view(self._change(merchant_id, decide))

    @rpc
    def get_merchant(self, actor, merchant_id):
        actor = Actor.from_dict(actor)
        merchant = self._merchant(merchant_id)
        if actor.role == "merchant" and actor.merchant_id == merchant_id:
            return domain.view(merchant)
        if actor.role == "regulator":
            if actor.has_jurisdiction_over(merchant["region"]):
                return domain.view(merchant)
            raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
        raise forbidden()

    @rpc
    def list_merchants(self, actor, query):
        actor = Actor.from_dict(actor)
        ranges, accept = listing.list_ranges(actor, query)
        merchants, next_cursor = self.store.page(ranges, accept, query.get("cursor"),
                                                 query.get("limit", 20))
        return {"items": [domain.view(m) for m in merchants], "next_cursor": next_cursor}

    # --- regulators ----------------------------------------------------------------------------

    @rpc
    def review(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ReviewSchema(), payload)
        merchant = self._change(merchant_id, lambda m: certification.review(
            m, actor, body["stage"], body["decision"], body["notes"], self._now()))
        metrics.REVIEWS.labels(body["stage"], body["decision"]).inc()
        return domain.view(merchant)

    @rpc
    def act(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ActionSchema(), payload)
        return domain.view(self._change(merchant_id, lambda m: certification.act(
            m, actor, body["action"], body["reason"], self._now())))

    @rpc
    def set_stars(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(StarsSchema(), payload)
        return domain.view(self._change(merchant_id, lambda m: certification.set_stars(
            m, actor, body["stars"], self._now())))

    @rpc
    def licence_event(self, actor, payload):
        """The business-licence registry's feed: revoked, deregistered, abnormal listing."""
        actor = Actor.from_dict(actor)
        body = validated(LicenceEventSchema(), payload)
        event, code = body["event"], body["credit_code"]
        merchant = self.store.by_credit_code(code)
        # a regulator's word counts in its jurisdiction only, also for units not yet registered
        region = merchant["region"] if merchant else credit_code.registration_region(code)
        if actor.role == "regulator" and not actor.has_jurisdiction_over(region):
            raise forbidden("OUT_OF_JURISDICTION", "the merchant is outside your region")
        if event in ("abnormal_listed", "abnormal_cleared"):
            self.store.set_abnormal_listed(code, event == "abnormal_listed", self._now())
        if merchant is None:
            return {"credit_code": code, "merchant_id": None, "status": None, "changed": False}
        by = f"{actor.role}:{actor.sub}"
        decisions = []  # the last one is what was written; the outbox relay moves versions too

        def decide(current):
            decisions.append(certification.licence_feed(current, event, body["changes"], by,
                                                        self._now()))
            return decisions[-1]

        saved = self._change(merchant["_id"], decide)
        return {"credit_code": code, "merchant_id": saved["_id"], "status": saved["status"],
                "changed": decisions[-1] is not None}

    # --- spot checks ---------------------------------------------------------------------------

    @rpc
    def create_spot_checks(self, actor, payload):
        actor = Actor.from_dict(actor)
        body = validated(SpotCheckRequestSchema(), payload)
        certification.require_regulator(actor, {"region": body["region"]},
                                        spot_checks.ASSIGNING_LEVEL)
        sample = self._draw(jurisdiction_prefix(body["region"]), body["sample_size"])
        batch_id = uuid.uuid4().hex
        tasks = spot_checks.new_tasks(batch_id, sample, actor.sub, self._now())
        events = {task["_id"]: self._envelopes([spot_checks.assigned_event(task)])
                  for task in tasks}
        self.store.insert_spot_checks(tasks, events)
        return {"batch_id": batch_id, "items": [_task_view(t) for t in tasks]}

    def _draw(self, region_prefix, sample_size):
        """Up to ``sample_size`` units at random from each county of the region."""
        rng, sample = random.SystemRandom(), []
        for county, size in sorted(self.store.checkable_counties(region_prefix).items()):
            drawn = spot_checks.draw_county(
                lambda place, after, county=county: self.store.first_drawn_from(
                    county, place, after), min(sample_size, size), rng)
            for unit in drawn:
                self.store.redraw(unit, spot_checks.new_draw(rng))
            sample += drawn
        return sample

    @rpc
    def list_spot_checks(self, actor, query):
        actor = Actor.from_dict(actor)
        tasks, next_cursor = self.store.spot_check_page(listing.spot_check_ranges(actor, query),
                                                        query.get("cursor"),
                                                        query.get("limit", 20))
        return {"items": [_task_view(t) for t in tasks], "next_cursor": next_cursor}

    @rpc
    def spot_check_result(self, actor, task_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(SpotCheckResultSchema(), payload)
        task = self.store.get_spot_check(task_id)
        if task is None:
            raise not_found(message="no such spot check")
        now = self._now()
        # the merchant moves first: if we die before the task is marked, a retry is harmless
        merchant = self._change(task["merchant_id"], lambda m: spot_checks.complete(
            task, m, actor, body["result"], body["notes"], now)[1])
        task_fields, _ = spot_checks.complete(task, merchant, actor, body["result"],
                                              body["notes"], now)
        completed = {**task, **task_fields}
        saved = self.store.complete_spot_check(task, task_fields, self._envelopes(
            [spot_checks.completed_event(completed, merchant["status"])]))
        if saved is None:
            raise conflict("WRONG_STATE", "this spot check already has its result")
        return _task_view(saved)

    # --- consumers and the public --------------------------------------------------------------

    @rpc
    def rate(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(RatingSchema(), payload)
        merchant = self._merchant(merchant_id)
        if merchant["status"] not in certification.PUBLIC_STATUSES:
            raise conflict("WRONG_STATE", "only certified units are rated")
        now = self._now()
        last = self.store.last_rating(merchant_id, actor.sub)
        previous_at = last["at"] if last else None
        if not domain.rating_allowed(previous_at, now) or not self.store.record_rating(
                merchant_id, actor.sub, previous_at,
                {"score": body["score"], "comment": body["comment"], "at": now}):
            raise conflict("ALREADY_RATED", "one rating per unit every 30 days")
        # merchant_rated travels in the count's own write (the gateways drop the unit's page)
        saved = self.store.add_rating(merchant_id, body["score"], self._envelopes(
            [("merchant_rated", {"merchant_id": merchant_id, "score": body["score"]})]))
        return {"merchant_id": merchant_id, **store_page.rating_of(saved["rating"])}

    @rpc
    def public_search(self, query):
        filters, cursor, limit = dict(query), query.get("cursor"), query.get("limit", 20)
        if filters.get("near"):
            lng, lat = (float(part) for part in filters["near"].split(","))
            units, next_cursor = self.store.nearest(lng, lat, filters["radius_m"], cursor, limit,
                                                    search.acceptance(filters, set()))
        elif filters.get("q"):
            units, next_cursor = self.store.search_by_word(search.query_words(filters["q"]),
                                                           filters, cursor, limit)
        else:
            key_range, accept = search.key_range(filters)
            units, next_cursor = self.store.page([key_range], accept, cursor, limit,
                                                 descending=False)
        return {"items": [search.listing(u) for u in units], "next_cursor": next_cursor}

    @rpc
    def public_list(self, kind, cursor=None, limit=20):
        units, next_cursor = self.store.page([listing.public_list_range(kind)], None, cursor,
                                             limit, descending=False)
        return {"items": [search.listing(u) for u in units], "next_cursor": next_cursor}

    @rpc
    def store_exists(self, store_code):
        return self.store.by_store_code(store_code) is not None

    @rpc
    def public_store(self, store_code):
        """The page; the gateway, which may serve it many times from memory, reports the
        scans with ``record_scans``."""
        merchant = self.store.by_store_code(store_code)
        if merchant is None:
            raise not_found("STORE_NOT_FOUND", "no store with this code")
        return store_page.page_of(merchant, today=self.clock.now().date())

    @rpc
    def record_scans(self, counts):
        """Adds ``{merchant_id: scans}`` as served by a gateway since its last report."""
        counts = validated(ScanCountsSchema(), {"counts": counts})["counts"]
        self.store.count_scans(counts)
        metrics.STORE_PAGE_SCANS.inc(sum(counts.values()))
        return {"recorded": len(counts)}

    @rpc
    def standing(self, merchant_id):
        """Is this merchant in good standing? Asked by coupons and complaints."""
        return certification.standing(self.store.get_merchant(merchant_id))

    @rpc
    def standing_by_store_code(self, store_code):
        return certification.standing(self.store.by_store_code(store_code))

    # --- reactions and schedules ---------------------------------------------------------------

    @consumes("complaints", "merchant_complaint_threshold_exceeded")
    def on_complaint_threshold(self, envelope):
        merchant_id = envelope["data"].get("merchant_id")
        if not isinstance(merchant_id, str) or self.store.get_merchant(merchant_id) is None:
            log.warning("complaint threshold for an unknown merchant", extra={
                "merchant_id": str(merchant_id)})
            return
        reason = "投诉量超过阈值"
        self._change(merchant_id, lambda m: certification.warn_automatically(
            m, reason, self._now()))

    @schedule(interval=SCAN_SECONDS)
    def scan(self):
        """Moves units whose licences are about to expire to the warning library, and
        refreshes the status figures."""
        now = self.clock.now()
        days = env_int("LICENCE_WARNING_DAYS", 30)
        latest = (now.date() + timedelta(days=days)).isoformat()
        for merchant in self.store.with_licence_until(latest):
            if certification.expiring_licences(merchant, now.date(), days):
                self._change(merchant["_id"], lambda m: certification.warn_automatically(
                    m, "证照即将到期", to_rfc3339(now)))
        metrics.publish_counts(self.store.count_by_status())


def _task_view(task):
    shown = visible(task)
    return {"task_id": task["_id"], **shown}

