"""Registry entrypoints: each decodes its input (schemas), checks who acts (actors) and hands
over to the application code: applications.py (applying, resubmitting, the profile, the
reviews), regulation.py (regulators' actions, the licence feed, spot checks), public.py (the
store page, search, nearness, ratings, standings) and timers.py (the licence scan), all over
merchants.py (a merchant read and changed as a versioned document)."""
from functools import cached_property

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
from plumbing.actors import Actor
from plumbing.clock import ClockProvider
from plumbing.config import PerProcess
from plumbing.consumers import consumes
from plumbing.errors import forbidden, invalid, validated
from plumbing.mongo import Mongo
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from services.registry import grading
from services.registry.applications import Applications
from services.registry.events import CONTRACTS as EVENT_CONTRACTS
from services.registry.grades import Grades
from services.registry.merchants import Merchants
from services.registry.public import Public
from services.registry.regulation import Regulation
from services.registry.settings import load_settings
from services.registry.store import RegistryStore
from services.registry.timers import Timers


def grades_on(source, event_type, evidence_of, version=1):
    """A consumer of ``source``'s ``event_type`` events (of ``version``) that adds
    ``evidence_of(data)`` to the merchant's trust and regrades it (grades.py)."""
    def grade(self, envelope):
        self.grades.record(envelope, evidence_of)
    grade.__name__ = f"grade_on_{event_type}"
    return consumes(source, event_type, version=version)(grade)


class RegistryService(FangxinService):
    name = "registry"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "scan")

    store = Mongo(RegistryStore)
    clock = ClockProvider()
    settings = PerProcess(load_settings)

    # --- the application, made for each worker from its dependencies ---------------------------

    @cached_property
    def merchants(self):
        return Merchants(self.store, self.clock)

    @cached_property
    def applications(self):
        return Applications(self.store, self.clock, self.merchants)

    @cached_property
    def regulation(self):
        return Regulation(self.store, self.clock, self.merchants)

    @cached_property
    def public(self):
        return Public(self.store, self.clock, self.merchants, self.settings.store_links)

    @cached_property
    def grades(self):
        return Grades(self.store, self.clock, self.merchants)

    @cached_property
    def timers(self):
        return Timers(self.store, self.clock, self.settings, self.merchants)

    # --- applications --------------------------------------------------------------------------

    @rpc
    def standard(self):
        return {"items": STANDARD}

    @rpc
    def apply(self, actor, payload):
        actor = Actor.from_dict(actor)
        if not actor.merchant_id:
            raise forbidden(message="a merchant account (token with merchant_id) applies")
        application = validated(MerchantApplicationSchema(), payload)
        return self.applications.apply(actor.merchant_id, application, actor.sub)

    @rpc
    def resubmit(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        application = validated(MerchantApplicationSchema(), payload)
        return self.applications.resubmit(actor, merchant_id, application)

    @rpc
    def update_merchant(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        updates = validated(MerchantPatchSchema(partial=True), payload)
        if not updates:
            raise invalid({"_schema": ["send at least one field to change"]})
        return self.applications.update(actor, merchant_id, updates)

    @rpc
    def get_merchant(self, actor, merchant_id):
        return self.applications.get(Actor.from_dict(actor), merchant_id)

    @rpc
    def list_merchants(self, actor, query):
        return self.applications.page(Actor.from_dict(actor), query)

    @rpc
    def review(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ReviewSchema(), payload)
        return self.applications.review(actor, merchant_id, body["stage"], body["decision"],
                                        body["notes"])

    # --- regulators ----------------------------------------------------------------------------

    @rpc
    def act(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(ActionSchema(), payload)
        return self.regulation.act(actor, merchant_id, body["action"], body["reason"])

    @rpc
    def set_stars(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(StarsSchema(), payload)
        return self.regulation.set_stars(actor, merchant_id, body["stars"], body["reason"])

    @rpc
    def licence_event(self, actor, payload):
        """The business-licence registry's feed: revoked, deregistered, abnormal listing."""
        actor = Actor.from_dict(actor)
        body = validated(LicenceEventSchema(), payload)
        return self.regulation.licence_event(actor, body["event"], body["credit_code"],
                                             body["changes"])

    # --- spot checks ---------------------------------------------------------------------------

    @rpc
    def create_spot_checks(self, actor, payload):
        actor = Actor.from_dict(actor)
        body = validated(SpotCheckRequestSchema(), payload)
        return self.regulation.create_spot_checks(actor, body["region"], body["sample_size"])

    @rpc
    def grade_statistics(self, actor, query):
        return self.regulation.grade_distribution(Actor.from_dict(actor), query.get("region"))

    @rpc
    def list_spot_checks(self, actor, query):
        return self.regulation.spot_check_page(Actor.from_dict(actor), query)

    @rpc
    def spot_check_result(self, actor, task_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(SpotCheckResultSchema(), payload)
        return self.regulation.spot_check_result(actor, task_id, body["result"], body["notes"])

    # --- consumers and the public --------------------------------------------------------------

    @rpc
    def rate(self, actor, merchant_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(RatingSchema(), payload)
        return self.public.rate(actor.sub, merchant_id, body["score"], body["comment"])

    @rpc
    def public_search(self, query):
        return self.public.search(query)

    @rpc
    def public_list(self, kind, cursor=None, limit=20):
        return self.public.listed(kind, cursor, limit)

    @rpc
    def store_exists(self, store_code):
        return self.public.store_exists(store_code)

    @rpc
    def public_store(self, store_code):
        """The page; the gateway, which may serve it many times from memory, reports the
        scans with ``record_scans``."""
        return self.public.page_of_store(store_code)

    @rpc
    def record_scans(self, counts):
        """Adds ``{merchant_id: scans}`` as served by a gateway since its last report."""
        counts = validated(ScanCountsSchema(), {"counts": counts})["counts"]
        return self.public.record_scans(counts)

    @rpc
    def standing(self, merchant_id):
        """Is this merchant in good standing? Asked by coupons and complaints."""
        return self.public.standing(merchant_id)

    @rpc
    def standing_by_store_code(self, store_code):
        return self.public.standing_by_store_code(store_code)

    # --- reactions and schedules ---------------------------------------------------------------

    @consumes("complaints", "merchant_complaint_threshold_exceeded")
    def on_complaint_threshold(self, envelope):
        self.regulation.complaint_threshold(envelope["data"].get("merchant_id"))
        self.grades.record(envelope, grading.warning_evidence)

    # the trust grade's evidence and standing, each event counted once (grading.py)
    grade_on_complaint_forwarded = grades_on("complaints", "complaint_forwarded",
                                             grading.forwarded_evidence, version=2)
    grade_on_complaint_responded = grades_on("complaints", "complaint_responded",
                                             grading.responded_evidence)
    grade_on_complaint_escalated = grades_on("complaints", "complaint_escalated",
                                             grading.escalated_evidence, version=2)
    grade_on_complaint_closed = grades_on("complaints", "complaint_closed",
                                          grading.closed_evidence, version=2)
    grade_on_spot_check_completed = grades_on("registry", "spot_check_completed",
                                              grading.spot_check_evidence)
    # a rating is counted outside the versioned changes, which regrade by themselves
    grade_on_merchant_rated = grades_on("registry", "merchant_rated", grading.no_evidence)

    @consumes("coupons", "settlement_held")
    def on_settlement_held(self, envelope):
        """A merchant's coupon settlement is held for cash-out signals: a spot check of it."""
        self.regulation.propose_spot_check(envelope["data"])

    @consumes("coupons", "coupon_redeemed")
    def grade_on_coupon_redeemed(self, envelope):
        """A redemption is activity: counted now, folded into the grade at its next regrade."""
        self.grades.count_redemption(envelope)

    @consumes("coupons", "coupon_redemption_rolled_back")
    def grade_on_coupon_redemption_rolled_back(self, envelope):
        self.grades.count_redemption(envelope, amount=-1)

    @schedule(interval=lambda: load_settings().scan_seconds)
    def scan(self):
        """Moves units whose licences are about to expire to the warning library, and
        refreshes the status figures."""
        self.timers.scan()
