"""Coupons entrypoints: each decodes its input (schemas), checks who acts (actors) and hands
over to the application code: campaigns.py (lifecycle), claiming.py (the claim path),
redemptions.py, figures.py, own_coupons.py, standings.py (the copy of the registry's word on
merchants) and timers.py (the schedules' passes)."""
from functools import cached_property

import eventlet
from nameko.events import BROADCAST

from contracts.schemas.coupons import (
    CampaignSchema,
    ClaimSchema,
    RedemptionSchema,
    ReleaseSchema,
    RollbackSchema,
)
from plumbing.actors import Actor
from plumbing.clock import ClockProvider, to_rfc3339
from plumbing.coalesce import Coalescer, attempt
from plumbing.config import PerProcess
from plumbing.consumers import consumes
from plumbing.context import current_request_id, set_request_id
from plumbing.errors import forbidden, validated
from plumbing.events import text_field
from plumbing.expiring_cache import ExpiringCache
from plumbing.idempotency import IdempotentRequests
from plumbing.mongo import Mongo
from plumbing.queues import after_missed_events, event_handler
from plumbing.rpc import BoundedRpcProxy, answer_of
from plumbing.schedules import every, lease_seconds, schedule
from plumbing.service import FangxinService, rpc
from services.coupons.balloting import Balloting
from services.coupons.campaigns import Campaigns, forget_changed
from services.coupons.cash_out_checks import CashOutChecks
from services.coupons.claiming import Claiming
from services.coupons.claims import ClaimRequest
from services.coupons.events import CONTRACTS as EVENT_CONTRACTS
from services.coupons.figures import STATS_ROWS, Figures
from services.coupons.own_coupons import own_coupon, own_coupons
from services.coupons.reconciler import Reconciler
from services.coupons.redemptions import Redemptions
from services.coupons.settings import load_settings
from services.coupons.standings import Standings
from services.coupons.store import REQUESTS, CouponsStore
from services.coupons.timers import Timers


def acting_as(actor, role):
    """The Actor of an ``actor`` dict, when it has ``role`` (403 FORBIDDEN otherwise: the
    gateway lets nobody else through, and neither does the service)."""
    actor = Actor.from_dict(actor)
    if actor.role != role:
        raise forbidden(message=f"this is for: {role}")
    return actor


def answered_together(items, one):
    """``one(item)`` for each item of a call made together, each in its own greenthread (so
    that they join the store's batches) with its own request id: an answer for each."""
    def each(item):
        set_request_id(item["request_id"])  # in this item's log lines
        return attempt(lambda: one(item))
    running = [eventlet.spawn(each, item) for item in items]
    return [answer_of(item.wait()) for item in running]


class CouponsService(FangxinService):
    name = "coupons"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "keep_time", "reconcile_stock", "draw_ballots",
                 "check_cash_out")

    store = Mongo(CouponsStore)
    clock = ClockProvider()
    settings = PerProcess(load_settings)
    registry = BoundedRpcProxy("registry")
    reconciler = Reconciler()
    # campaigns as claims read them: a rush reads the same few campaigns thousands of times a
    # second; a change made here drops them at once, one made by another process via its event
    recent_campaigns = PerProcess(lambda: ExpiringCache(
        load_settings().campaign_cache_seconds, max_entries=10_000))
    claim_batches = PerProcess(Coalescer)
    signup_batches = PerProcess(Coalescer)
    key_lookups = PerProcess(Coalescer)

    # --- the application, made for each worker from its dependencies ---------------------------

    @cached_property
    def campaigns(self):
        return Campaigns(self.store, self.clock, self.settings, self.recent_campaigns)

    @cached_property
    def standings(self):
        return Standings(self.store, self.registry, self.clock)

    @cached_property
    def requests(self):
        return IdempotentRequests(self.store.db[REQUESTS], self.clock)

    @cached_property
    def claiming(self):
        return Claiming(self.store, self.clock, self.settings, self.campaigns, self.standings,
                        self.requests, self.claim_batches, self.key_lookups)

    @cached_property
    def redemptions(self):
        return Redemptions(self.store, self.clock, self.settings, self.campaigns,
                           self.standings, self.requests)

    @cached_property
    def balloting(self):
        return Balloting(self.store, self.clock, self.settings, self.campaigns,
                         self.signup_batches)

    @cached_property
    def cash_out(self):
        return CashOutChecks(self.store, self.clock, self.settings, self.campaigns,
                             self.standings)

    @cached_property
    def timers(self):
        return Timers(self.store, self.clock, self.settings, self.campaigns,
                      self.reconciler)

    # --- campaigns -----------------------------------------------------------------------------

    @rpc
    def create_campaign(self, actor, payload):
        actor = acting_as(actor, "operator")
        return self.campaigns.create(validated(CampaignSchema(), payload), actor.sub)

    @rpc
    def get_campaign(self, campaign_id):
        return self.campaigns.view(self.campaigns.get(campaign_id))

    @rpc
    def change_campaign(self, actor, campaign_id, action):
        return self.campaigns.act(campaign_id, action, acting_as(actor, "operator").sub)

    @rpc
    def public_campaigns(self, query):
        return self.campaigns.public_page(query, self.standings)

    @event_handler("coupons", "campaign_status_changed", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_changed_campaign(self, payload):
        campaign_id = text_field(payload, "campaign_id")
        if campaign_id is not None:
            forget_changed(self.recent_campaigns, campaign_id, payload.get("to"))

    @after_missed_events
    def forget_campaigns_after_missed_events(self):
        self.recent_campaigns.forget_all()

    # --- claims --------------------------------------------------------------------------------

    @rpc
    def claim(self, actor, campaign_id, payload, idempotency_key=None):
        return self._claim(actor, campaign_id, payload, idempotency_key, current_request_id())

    @rpc
    def claim_together(self, claims):
        """Claims the gateway received at the same moment, in one call (plumbing/rpc.py):
        each ``{actor, campaign_id, payload, idempotency_key, request_id}``; an answer for
        each. They join the batches of the claims made alone."""
        return answered_together(claims, lambda claim: self._claim(
            claim["actor"], claim["campaign_id"], claim["payload"], claim["idempotency_key"],
            claim["request_id"]))

    def _claim(self, actor, campaign_id, payload, idempotency_key, request_id):
        consumer = acting_as(actor, "consumer").sub
        body = validated(ClaimSchema(), payload or {})
        return self.claiming.claim(
            ClaimRequest(campaign_id, consumer, body, idempotency_key, request_id))

    @rpc
    def my_coupon(self, actor, coupon_id):
        return own_coupon(self.store, acting_as(actor, "consumer").sub, coupon_id)

    @rpc
    def my_coupons(self, actor, cursor=None, limit=20):
        return own_coupons(self.store, acting_as(actor, "consumer").sub, cursor, limit)

    # --- ballots -------------------------------------------------------------------------------

    @rpc
    def sign_up_together(self, signups):
        """Sign-ups the gateway received at the same moment, in one call: each ``{actor,
        campaign_id, request_id}``; an answer (the sign-up, whether it is new) for each."""
        return answered_together(signups, lambda signup: self._sign_up(signup))

    def _sign_up(self, signup):
        consumer = acting_as(signup["actor"], "consumer")
        return self.balloting.sign_up(consumer.sub, signup["campaign_id"], consumer.tags)

    @rpc
    def my_signup(self, actor, campaign_id):
        return self.balloting.my_signup(acting_as(actor, "consumer").sub, campaign_id)

    @rpc
    def public_ballot(self, campaign_id):
        return self.balloting.public_ballot(campaign_id)

    @rpc
    def ballot_signups_page(self, campaign_id, k=0, cursor=None):
        return self.balloting.signups_page(campaign_id, k, cursor)

    # --- redemptions ---------------------------------------------------------------------------

    @rpc
    def redeem(self, actor, payload, idempotency_key=None):
        merchant_id = acting_as(actor, "merchant").merchant_id
        return self.redemptions.redeem(merchant_id, validated(RedemptionSchema(), payload),
                                       idempotency_key)

    @rpc
    def roll_back(self, actor, redemption_id, payload):
        merchant_id = acting_as(actor, "merchant").merchant_id
        return self.redemptions.roll_back(merchant_id, redemption_id,
                                          validated(RollbackSchema(), payload or {}))

    # --- figures -------------------------------------------------------------------------------

    @rpc
    def campaign_stats(self, campaign_id, cursor=None, limit=STATS_ROWS):
        return Figures(self.store, self.campaigns).stats(
            campaign_id, to_rfc3339(self.clock.now()), cursor, limit)

    @rpc
    def settlement_page(self, campaign_id, cursor=None):
        return Figures(self.store, self.campaigns).settlement_page(campaign_id, cursor)

    @rpc
    def daily_settlement_page(self, campaign_id, day, cursor=None):
        return Figures(self.store, self.campaigns).daily_settlement_page(
            campaign_id, day, to_rfc3339(self.clock.now()), self.settings.rollback_seconds,
            cursor)

    @rpc
    def cash_out_view(self, actor, campaign_id, cursor=None, limit=100):
        acting_as(actor, "operator")
        return self.cash_out.view(campaign_id, cursor, limit)

    @rpc
    def release_hold(self, actor, campaign_id, merchant_id, payload):
        by = acting_as(actor, "operator").sub
        body = validated(ReleaseSchema(), payload or {})
        return self.cash_out.release(campaign_id, merchant_id, by, body["reason"])

    # --- the registry's word on merchants -----------------------------------------------------

    @consumes("registry", "merchant_certified")
    def on_merchant_certified(self, envelope):
        self.standings.certified(envelope)

    @consumes("registry", "merchant_status_changed")
    def on_merchant_status_changed(self, envelope):
        self.standings.status_changed(envelope)

    # --- schedules -----------------------------------------------------------------------------

    @schedule(interval=lambda: load_settings().scan_seconds)
    def keep_time(self):
        self.timers.keep_time()

    @schedule(interval=lambda: load_settings().ballot_scan_seconds)
    def draw_ballots(self):
        seconds = lease_seconds(self.settings.ballot_scan_seconds)
        self.balloting.draw_due(lambda: self.store.leases.take("draw_ballots", seconds))

    @schedule(interval=lambda: load_settings().cash_out_scan_seconds)
    def check_cash_out(self):
        self.cash_out.assess_due()

    # every replica runs it, unleased: a void and its return happen once however many run it,
    # and a replica restarted after a crash reconciles at once instead of waiting out the dead
    # one's lease
    @every(interval=lambda: load_settings().reconcile_seconds, eager=True)
    def reconcile_stock(self):
        self.timers.reconcile_stock()
