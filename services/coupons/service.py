"""Coupons entrypoints: campaigns, claims, redemptions, figures, and the copy of the
registry's standings that decides who may redeem."""
import random
import time
import uuid

import eventlet
from nameko.events import BROADCAST
from nameko.timer import timer

from contracts.coupon_kinds import amounts, kind_of
from plumbing.actors import Actor
from plumbing.clock import ClockProvider, shifted
from plumbing.coalesce import Coalescer, Outcome, attempt
from plumbing.config import PerProcess, env_float
from plumbing.consumers import consumes
from plumbing.context import current_request_id, set_request_id
from plumbing.documents import visible
from plumbing.errors import DomainError, conflict, not_found, unavailable, validated
from plumbing.events import text_field
from plumbing.expiring_cache import ExpiringCache
from plumbing.idempotency import IdempotentRequests
from plumbing.mongo import Mongo
from plumbing.queues import after_missed_events, event_handler
from plumbing.rpc import BoundedRpcProxy, answer_of
from plumbing.schedules import schedule
from plumbing.service import FangxinService, rpc
from services.coupons import metrics, rules, units
from services.coupons.claims import ClaimRequest
from services.coupons.events import CONTRACTS as EVENT_CONTRACTS
from services.coupons.reconciler import RECONCILE_SECONDS, Reconciler
from services.coupons.schemas import CampaignSchema, ClaimSchema, RedemptionSchema, RollbackSchema
from services.coupons.settings import load_settings
from services.coupons.store import CAMPAIGNS, REQUESTS, SCHEDULE_BATCH, CouponsStore

SCAN_SECONDS = env_float("COUPON_SCAN_SECONDS", 30)
RECONCILE_AFTER_CLOSE_SECONDS = 24 * 3600  # claims in flight when a campaign stopped
STATS_ROWS = 100
SETTLEMENT_ROWS = 1000
_draws = random.SystemRandom()


class CouponsService(FangxinService):
    name = "coupons"
    event_contracts = EVENT_CONTRACTS
    schedules = (*FangxinService.schedules, "keep_time", "reconcile_stock")

    store = Mongo(CouponsStore)
    clock = ClockProvider()
    settings = PerProcess(load_settings)
    registry = BoundedRpcProxy("registry")
    reconciler = Reconciler()
    # campaigns as claims read them: a rush reads the same few campaigns thousands of times a
    # second; a change made here drops them at once, one made by another process via its event
    recent_campaigns = PerProcess(lambda: ExpiringCache(
        env_float("CAMPAIGN_CACHE_SECONDS", 1.0), max_entries=10_000))
    claim_batches = PerProcess(Coalescer)
    key_lookups = PerProcess(Coalescer)

    def _requests(self):
        return IdempotentRequests(self.store.db[REQUESTS], self.clock)

    # --- campaigns -----------------------------------------------------------------------------

    @rpc
    def create_campaign(self, actor, payload):
        actor = Actor.from_dict(actor)
        spec = validated(CampaignSchema(), payload)
        campaign = rules.new_campaign(uuid.uuid4().hex, spec, actor.sub, self._now())
        self.store.create_stock(campaign["_id"], campaign["total_quantity"],
                                self.settings.stock_shards, campaign["prize_tiers"])
        self.store.insert_campaign(campaign, [])
        return self._campaign_view(campaign)

    @rpc
    def get_campaign(self, campaign_id):
        return self._campaign_view(self._campaign(campaign_id))

    @rpc
    def change_campaign(self, actor, campaign_id, action):
        actor = Actor.from_dict(actor)
        return self._campaign_view(self._move(campaign_id, lambda c: rules.transition(
            c, action, actor.sub, self._now())))

    def _campaign(self, campaign_id):
        campaign = self.store.campaign(campaign_id)
        if campaign is None:
            raise not_found("CAMPAIGN_NOT_FOUND", "no such campaign")
        return campaign

    def _move(self, campaign_id, decide):
        moved = self._versioned(CAMPAIGNS, lambda: self._campaign(campaign_id), decide)
        self.recent_campaigns.forget(campaign_id)
        if moved["status"] not in rules.LIVE_STATUSES:
            metrics.drop_stock(campaign_id)
        return moved

    def _recent_campaign(self, campaign_id):
        campaign = self.recent_campaigns.get(campaign_id)
        if campaign is None:
            read_at = self.recent_campaigns.now()
            campaign = self._campaign(campaign_id)
            self.recent_campaigns.put(campaign_id, campaign, campaign_id, read_at)
        return campaign

    @event_handler("coupons", "campaign_status_changed", handler_type=BROADCAST,
                   reliable_delivery=False)
    def forget_changed_campaign(self, payload):
        campaign_id = text_field(payload, "campaign_id")
        if campaign_id is not None:
            self.recent_campaigns.forget(campaign_id)
            if payload.get("to") not in rules.LIVE_STATUSES:
                # every replica: one that held the schedule's lease before still shows it
                metrics.drop_stock(campaign_id)

    @after_missed_events
    def forget_campaigns_after_missed_events(self):
        self.recent_campaigns.forget_all()

    def _campaign_view(self, campaign):
        draws, _ = self.store.remaining(campaign["_id"])
        return {"campaign_id": campaign["_id"], "remaining": draws, **visible(campaign)}

    @rpc
    def public_campaigns(self, query):
        region, merchant = query.get("region"), None
        if query.get("merchant_id"):
            merchant = self._standing(query["merchant_id"])
            if not merchant["known"]:
                return {"items": [], "next_cursor": None}

        def shown(campaign):
            return (not region or rules.concerns_region(campaign, region)) and (
                merchant is None or rules.merchant_fits(campaign, merchant))

        campaigns, next_cursor = self.store.campaign_page(["active"], shown,
                                                          query.get("cursor"),
                                                          query.get("limit", 20))
        return {"items": [self._campaign_view(c) for c in campaigns],
                "next_cursor": next_cursor}

    # --- claims --------------------------------------------------------------------------------

    @rpc
    def claim(self, actor, campaign_id, payload, idempotency_key=None):
        return self._claim(actor, campaign_id, payload, idempotency_key, current_request_id())

    @rpc
    def claim_together(self, claims):
        """Claims the gateway received at the same moment, in one call (plumbing/rpc.py):
        each ``{actor, campaign_id, payload, idempotency_key, request_id}``; an answer for
        each. They join the batches of the claims made alone."""
        running = [eventlet.spawn(self._claim_of_many, claim) for claim in claims]
        return [answer_of(claim.wait()) for claim in running]

    def _claim_of_many(self, claim):
        set_request_id(claim["request_id"])  # in this claim's log lines
        return attempt(lambda: self._claim(claim["actor"], claim["campaign_id"],
                                           claim["payload"], claim["idempotency_key"],
                                           claim["request_id"]))

    def _claim(self, actor, campaign_id, payload, idempotency_key, request_id):
        request = ClaimRequest(campaign_id, Actor.from_dict(actor).sub,
                               validated(ClaimSchema(), payload or {}), idempotency_key,
                               request_id)
        try:
            coupon = self._settled_claim(request)
        except DomainError as exc:
            metrics.CLAIMS.labels(exc.code).inc()
            raise
        metrics.CLAIMS.labels("issued" if coupon["code"] else "no_prize").inc()
        return coupon

    def _settled_claim(self, request):
        campaign = self._recent_campaign(request.campaign_id)
        if rules.sold_out_ended(campaign):
            return self._claim_after_sell_out(campaign, request)
        # claims of a campaign arriving together share their round trips (plumbing/coalesce.py)
        outcome = self.claim_batches.submit(request.campaign_id, request, lambda requests: (
            self._idempotent_claims(campaign, requests)))
        if outcome is None:  # its key was seen before: the first answer
            return self._first_answer(campaign, request)
        return outcome.unwrap()

    def _claim_after_sell_out(self, campaign, request):
        """SOLD_OUT, now and for any retry, with nothing stored; but a retry of a claim made
        before the end gets its first answer (its record is looked up with those of the other
        claims arriving meanwhile)."""
        [record] = self.key_lookups.submit_many("claims", [request], lambda requests: (
            self._requests().records([r.idempotent for r in requests])))
        if record is None:
            rules.claimable(campaign, self._now())
        return self._first_answer(campaign, request, record)

    def _first_answer(self, campaign, request, record=None):
        """The answer given to the first request with this one's key (the claim is made anew
        if that request died without one)."""
        return self._requests().replay(request.idempotent, lambda: self._claims(
            campaign, [request])[0].unwrap(), record)

    def _idempotent_claims(self, campaign, requests):
        """Run by the batch's leader, with the campaign as it read it."""
        return self._requests().run_many([r.idempotent for r in requests], lambda fresh: (
            self._claims(campaign, [requests[i] for i in fresh])))

    def _claims(self, campaign, requests):
        """Outcomes of claims of one campaign, made together: one round trip for their limits,
        one (near the end of stock: a few) for their units, one for their coupons."""
        try:
            rules.claimable(campaign, self._now())
        except DomainError as exc:
            return [Outcome(error=exc)] * len(requests)
        outcomes = [self._ineligible(campaign, r) for r in requests]
        holders = self._count_against_limits(campaign, requests, outcomes)
        served, taken = self._take_units(campaign, requests, holders, outcomes)
        # from here on each unit is recorded by exactly one document, or the reconciler
        # returns it (services/coupons/units.py)
        recorded = self._record(campaign, [requests[i] for i in served], taken, self._now())
        for i, outcome in zip(served, recorded):
            outcomes[i] = outcome
        return outcomes

    def _count_against_limits(self, campaign, requests, outcomes):
        """The indexes of the claims still open whose consumers are within the limit; the
        others' outcomes become LIMIT_REACHED."""
        still_open = [i for i, outcome in enumerate(outcomes) if outcome is None]
        counted = self.store.take_holdings(campaign["_id"],
                                           [requests[i].consumer for i in still_open],
                                           campaign["per_consumer_limit"])
        for i, ok in zip(still_open, counted):
            if not ok:
                outcomes[i] = Outcome(error=conflict(
                    "LIMIT_REACHED", "you hold as many coupons of this campaign as one person "
                                     "may"))
        return [i for i, ok in zip(still_open, counted) if ok]

    def _take_units(self, campaign, requests, holders, outcomes):
        """A unit for each holder while stock lasts: (indexes served, their units). Those left
        without one give their holding back and get SOLD_OUT, and the campaign ends."""
        taken = self.store.take_stock(campaign["_id"], self.settings.stock_shards, len(holders))
        unserved = holders[len(taken):]
        if unserved:
            self.store.give_back_holdings(campaign["_id"],
                                          [requests[i].consumer for i in unserved])
            self._end_sold_out(campaign["_id"])
            for i in unserved:
                outcomes[i] = Outcome(error=conflict("SOLD_OUT",
                                                     "the campaign has no coupons left"))
        return holders[:len(taken)], taken

    def _ineligible(self, campaign, request):
        """None, or the outcome of a claim made for a merchant the campaign does not cover."""
        merchant_id = request.body.get("merchant_id")
        if not merchant_id:
            return None
        outcome = attempt(lambda: rules.require_redeemable_at(
            campaign, self._standing(merchant_id), "NOT_ELIGIBLE"))
        return outcome if outcome.error else None

    def _record(self, campaign, requests, taken, now):
        prizes = self.store.remaining(campaign["_id"])[1] if kind_of(campaign).draws_prizes \
            else {}
        claimed = [self._claimed(campaign, r, unit, now, prizes)
                   for r, unit in zip(requests, taken)]
        recorded = self.store.insert_coupons([(document, events, request.request_id) for
                                              request, (document, events, _) in
                                              zip(requests, claimed)])
        # False: voided by the reconciler first, this claim was too slow
        self.store.give_back_holdings(campaign["_id"], [
            r.consumer for r, ok in zip(requests, recorded) if not ok])
        return [Outcome(view) if ok else Outcome(error=unavailable(
            "the claim took too long and was undone; try again"))
                for (_, _, view), ok in zip(claimed, recorded)]

    def _claimed(self, campaign, request, unit, now, prizes):
        """The document that records a claim's unit, its events and the claimant's answer."""
        campaign_id, prize, prize_unit = campaign["_id"], None, None
        if kind_of(campaign).draws_prizes:
            prize, prize_unit = self._draw(campaign, prizes)
            if prize is None:
                return (units.placeholder(units.NO_PRIZE, unit, campaign_id, units.DRAW, now,
                                          drawn_by=request.consumer), [],
                        rules.no_prize_view(campaign, now))
        coupon = {**rules.new_coupon(units.unit_id(*unit), campaign, request.consumer, now,
                                     prize), **units.unit_fields(unit, prize_unit)}
        events = self._envelopes([("coupon_claimed", {
            "coupon_id": coupon["_id"], "campaign_id": campaign_id, "consumer": request.consumer,
            "campaign_name": campaign["name"], "prize": coupon["prize"],
            # a lucky draw's coupon has its prize's face value and minimum spend
            "kind": campaign["kind"], **amounts({**campaign, **coupon}),
            "expires_at": coupon["expires_at"], "regions": campaign["eligibility"]["regions"]})])
        return coupon, events, rules.coupon_view(coupon)

    def _draw(self, campaign, prizes):
        """The prize tier won and its unit, or (None, None); ``prizes`` (units left per tier)
        is read once per batch and kept current here."""
        tier = rules.draw_prize(campaign["prize_tiers"], prizes, _draws)
        prize_unit = tier and self.store.take_prize(campaign["_id"], tier["name"])
        if not prize_unit:
            return None, None
        prizes[tier["name"]] -= 1
        return tier, prize_unit

    def _end_sold_out(self, campaign_id):
        return self._move(campaign_id, lambda c: rules.moved(
            c, "ended", "system", self._now(), rules.SOLD_OUT) if c["status"] == "active" else None)

    @rpc
    def my_coupon(self, actor, coupon_id):
        """One of the consumer's own coupons (404 for anyone else's: nobody learns it exists)."""
        coupon = self.store.coupon(coupon_id) if isinstance(coupon_id, str) else None
        if coupon is None or coupon.get("consumer") != Actor.from_dict(actor).sub \
                or not coupon.get("code"):
            raise not_found("COUPON_NOT_FOUND", "no such coupon of yours")
        return rules.coupon_view(coupon)

    @rpc
    def my_coupons(self, actor, cursor=None, limit=20):
        actor = Actor.from_dict(actor)
        coupons, next_cursor = self.store.coupons_of(actor.sub, cursor, limit)
        return {"items": [rules.coupon_view(c) for c in coupons], "next_cursor": next_cursor}

    # --- redemptions ---------------------------------------------------------------------------

    @rpc
    def redeem(self, actor, payload, idempotency_key=None):
        actor = Actor.from_dict(actor)
        body = validated(RedemptionSchema(), payload)
        try:
            result = self._requests().run(f"redeem:{actor.merchant_id}", idempotency_key, body,
                                          lambda: self._redeem(actor, body))
        except DomainError as exc:
            metrics.REDEMPTIONS.labels(exc.code).inc()
            raise
        metrics.REDEMPTIONS.labels("redeemed").inc()
        return result

    def _redeem(self, actor, body):
        now = self._now()
        coupon = self.store.coupon_by_code(body["code"])
        if coupon is None:
            raise not_found("COUPON_NOT_FOUND", "no coupon has this code")
        rules.require_usable(coupon, now)
        campaign = self._campaign(coupon["campaign_id"])
        merchant = self._standing(actor.merchant_id)
        rules.require_redeemable_at(campaign, merchant)
        discount = rules.discount_for(campaign, coupon, body["order_amount_fen"])
        redemption = {"_id": uuid.uuid4().hex, "coupon_id": coupon["_id"],
                      "campaign_id": campaign["_id"], "merchant_id": actor.merchant_id,
                      "merchant_name": merchant.get("name", ""),
                      "order_amount_fen": body["order_amount_fen"], "discount_fen": discount,
                      "at": now, "status": "done"}
        # the coupon carries its redemption, so figures never depend on a second write
        redeemed = self.store.mark_coupon(coupon, "active", {
            "status": "redeemed", "redeemed_at": now, "redemption": redemption,
            "redemption_id": redemption["_id"]}, self._envelopes([("coupon_redeemed", {
                "coupon_id": coupon["_id"], "campaign_id": campaign["_id"],
                "consumer": coupon["consumer"], "merchant_id": actor.merchant_id,
                "redemption_id": redemption["_id"], "discount_fen": discount,
                "order_amount_fen": body["order_amount_fen"]})]))
        if redeemed is None:
            rules.require_usable(self.store.coupon_by_code(body["code"]), now)
            raise conflict("ALREADY_REDEEMED", "this coupon has been used")
        self.store.insert_redemption(redemption, [])
        return {**{k: v for k, v in redemption.items() if k != "_id"},
                "redemption_id": redemption["_id"]}

    @rpc
    def roll_back(self, actor, redemption_id, payload):
        actor = Actor.from_dict(actor)
        body = validated(RollbackSchema(), payload or {})
        redemption = self.store.redemption(redemption_id)
        if redemption is None:
            raise not_found(message="no such redemption")
        now = self._now()
        rules.can_roll_back(redemption, actor.merchant_id, now, self.settings.rollback_seconds)
        restored = self.store.mark_coupon(self.store.coupon(redemption["coupon_id"]), "redeemed", {
            "status": "active", "redeemed_at": None, "redemption": None, "redemption_id": None},
            self._envelopes([("coupon_redemption_rolled_back", {
                "coupon_id": redemption["coupon_id"], "redemption_id": redemption_id,
                "merchant_id": actor.merchant_id, "reason": body["reason"]})]))
        if restored is None:
            raise conflict("WRONG_STATE", "the coupon is not redeemed any more")
        self.store.mark_redemption(redemption_id, "done", {
            "status": "rolled_back", "rolled_back_at": now, "reason": body["reason"]}, [])
        metrics.REDEMPTIONS.labels("rolled_back").inc()
        return {"redemption_id": redemption_id, "status": "rolled_back",
                "coupon_id": redemption["coupon_id"]}

    # --- figures ---------------------------------------------------------------------------------

    @rpc
    def campaign_stats(self, campaign_id, cursor=None, limit=STATS_ROWS):
        campaign = self._campaign(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, limit)
        draws, _ = self.store.remaining(campaign["_id"])
        return {**rules.figures(campaign_id, self.store.campaign_totals(campaign_id), draws,
                                rows), "per_merchant_next_cursor": next_cursor}

    @rpc
    def settlement_page(self, campaign_id, cursor=None):
        """One page of the settlement CSV (its header first, its TOTAL row last): (text, next
        cursor); the gateway streams the pages."""
        self._campaign(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, SETTLEMENT_ROWS)
        totals = None if next_cursor else self.store.campaign_totals(campaign_id)
        return {"text": rules.settlement_text(rows, header=cursor is None, totals=totals),
                "next_cursor": next_cursor}

    # --- the registry's word on merchants -----------------------------------------------------

    def _standing(self, merchant_id):
        remembered = self.store.merchant(merchant_id)
        if remembered is not None:
            return {**remembered, "known": True}
        standing = self.registry.standing(merchant_id)
        if standing["known"]:
            self.store.remember_merchant(_standing_fields(standing), self._now())
        return standing

    @consumes("registry", "merchant_certified")
    def on_merchant_certified(self, envelope):
        data = envelope["data"]
        self.store.remember_merchant(_standing_fields({**data, "status": "certified"}),
                                     envelope["occurred_at"])

    @consumes("registry", "merchant_status_changed")
    def on_merchant_status_changed(self, envelope):
        data = envelope["data"]
        self.store.remember_merchant(_standing_fields({**data, "status": data["to"]}),
                                     envelope["occurred_at"])

    # --- schedules -----------------------------------------------------------------------------

    @schedule(interval=SCAN_SECONDS)
    def keep_time(self):
        """Moves campaigns by the clock, ends sold-out ones, expires coupons and warns of
        expiry, and refreshes the stock gauge."""
        now = self._now()
        for campaign in self.store.campaigns_in(rules.LIVE_STATUSES):
            draws, _ = self.store.remaining(campaign["_id"])
            # the status read last, and nothing that yields before the gauge is set: a change
            # stored meanwhile is either read here or drops the series after it is set
            moved = self._move(campaign["_id"], lambda c: rules.clock_move(c, now))
            if draws == 0:
                moved = self._end_sold_out(campaign["_id"])
            if moved["status"] in rules.LIVE_STATUSES:
                metrics.show_stock(campaign["_id"], draws)
        self._expire_coupons(now)

    def _expire_coupons(self, now):
        """Expires coupons past their end and warns those about to reach it, batch by batch,
        for at most ``SCAN_SECONDS`` a pass (the rest next pass)."""
        before, started = self.settings.expiring_before_seconds, time.monotonic()
        for due in (lambda: self.store.coupons_expired_by(now),
                    lambda: self.store.coupons_expiring_by(shifted(now, before))):
            while time.monotonic() - started < SCAN_SECONDS:
                batch = due()
                for coupon in batch:
                    self._expire_or_warn(coupon, now, before)
                if len(batch) < SCHEDULE_BATCH:
                    break

    # every replica runs it, unleased: a void and its return happen once however many run it,
    # and a replica restarted after a crash reconciles at once instead of waiting out the dead
    # one's lease
    @timer(interval=RECONCILE_SECONDS, eager=True)
    def reconcile_stock(self):
        """Returns units of stock that claims took and died before recording."""
        now = self._now()
        campaigns = self.store.campaigns_in(rules.LIVE_STATUSES) + self.store.closed_since(
            shifted(now, -RECONCILE_AFTER_CLOSE_SECONDS))
        self.reconciler.run(self.store, [c["_id"] for c in campaigns], now)

    def _expire_or_warn(self, coupon, now, before):
        if coupon["expires_at"] <= now:
            self.store.mark_coupon(coupon, "active", {"status": "expired"})
        elif rules.expiring_soon(coupon, now, before):
            self.store.mark_coupon(coupon, "active", {"expiring_notified_at": now},
                                   self._envelopes([("coupon_expiring", {
                                       "coupon_id": coupon["_id"], "consumer": coupon["consumer"],
                                       "campaign_id": coupon["campaign_id"],
                                       "expires_at": coupon["expires_at"]})]))


def _standing_fields(data):
    return {"merchant_id": data["merchant_id"], "status": data["status"],
            "region": data["region"], "industry": data["industry"], "name": data.get("name", "")}
