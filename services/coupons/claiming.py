"""The claim path: a consumer's claim of a campaign's coupon, made together with the other
claims of that campaign arriving at the same moment (plumbing/coalesce.py), so that a batch
makes its round trips once: one for its idempotency records, one for the consumers' limits, one
(near the end of stock: a few) for its units of stock, one for its coupons.

A unit of stock, once taken, is recorded by exactly one document, or the reconciler returns it
(services/coupons/units.py)."""
import random
from functools import partial

from contracts.coupon_kinds import amounts, kind_of
from plumbing.clock import to_rfc3339
from plumbing.coalesce import Outcome, attempt
from plumbing.errors import DomainError, conflict, unavailable
from services.coupons import metrics, rules, units
from services.coupons.events import envelopes

_draws = random.SystemRandom()


class Claiming:
    def __init__(self, store, clock, settings, campaigns, standings, requests, batches,
                 key_lookups, rng=_draws):
        """``requests``: the IdempotentRequests of claims; ``batches`` and ``key_lookups``:
        the process's Coalescers of claims and of the idempotency records read after a sell-out;
        ``rng`` draws the prizes of lucky draws."""
        self.store, self.clock, self.settings = store, clock, settings
        self.campaigns, self.standings, self.requests = campaigns, standings, requests
        self.batches, self.key_lookups, self.rng = batches, key_lookups, rng

    def claim(self, request):
        """The coupon (or lucky draw's no-prize answer) a ClaimRequest gets, or its error;
        counted by outcome."""
        try:
            coupon = self._settled(request)
        except DomainError as exc:
            metrics.CLAIMS.labels(exc.code).inc()
            raise
        metrics.CLAIMS.labels("issued" if coupon["code"] else "no_prize").inc()
        return coupon

    def _settled(self, request):
        campaign = self.campaigns.recent_one(request.campaign_id)
        if rules.sold_out_ended(campaign):
            return self._claim_after_sell_out(campaign, request)
        outcome = self.batches.submit(request.campaign_id, request,
                                      partial(self._idempotent_claims, campaign))
        if outcome is None:  # its key was seen before: the first answer
            return self._first_answer(campaign, request)
        return outcome.unwrap()

    def _claim_after_sell_out(self, campaign, request):
        """SOLD_OUT, now and for any retry, with nothing stored; but a retry of a claim made
        before the end gets its first answer (its record is looked up with those of the other
        claims arriving meanwhile)."""
        [record] = self.key_lookups.submit_many("claims", [request], self._records_of)
        if record is None:
            rules.claimable(campaign, self._now())
        return self._first_answer(campaign, request, record)

    def _records_of(self, requests):
        return self.requests.records([r.idempotent for r in requests])

    def _first_answer(self, campaign, request, record=None):
        """The answer given to the first request with this one's key (the claim is made anew
        if that request died without one)."""
        return self.requests.replay(request.idempotent,
                                    partial(self._claim_anew, campaign, request), record)

    def _claim_anew(self, campaign, request):
        return self.claims(campaign, [request])[0].unwrap()

    def _idempotent_claims(self, campaign, requests):
        """Run by the batch's leader, with the campaign as it read it."""
        def claims_seen_first(fresh):
            return self.claims(campaign, [requests[i] for i in fresh])
        return self.requests.run_many([r.idempotent for r in requests], claims_seen_first)

    def claims(self, campaign, requests):
        """Outcomes of claims of one campaign, made together."""
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

    def _ineligible(self, campaign, request):
        """None, or the outcome of a claim made for a merchant the campaign does not cover."""
        merchant_id = request.body.get("merchant_id")
        if not merchant_id:
            return None
        def redeemable_there():  # the registry may be asked: its failure is this claim's
            rules.require_redeemable_at(campaign, self.standings.of(merchant_id), "NOT_ELIGIBLE")
        outcome = attempt(redeemable_there)
        return outcome if outcome.error else None

    def _count_against_limits(self, campaign, requests, outcomes):
        """The indexes of the claims still open whose consumers are within the limit; the
        others' outcomes become LIMIT_REACHED."""
        still_open = [i for i, outcome in enumerate(outcomes) if outcome is None]
        counted = self.store.take_holdings(campaign["_id"],
                                           [requests[i].consumer for i in still_open],
                                           campaign["per_consumer_limit"])
        for i, ok in zip(still_open, counted):
            if not ok:
                outcomes[i] = Outcome(error=limit_reached())
        return [i for i, ok in zip(still_open, counted) if ok]

    def _take_units(self, campaign, requests, holders, outcomes):
        """A unit for each holder while stock lasts: (indexes served, their units). Those left
        without one give their holding back and get SOLD_OUT, and the campaign ends."""
        taken = self.store.take_stock(campaign["_id"], self.settings.stock_shards, len(holders))
        unserved = holders[len(taken):]
        if unserved:
            self.store.give_back_holdings(campaign["_id"],
                                          [requests[i].consumer for i in unserved])
            self.campaigns.end_sold_out(campaign["_id"])
            for i in unserved:
                outcomes[i] = Outcome(error=sold_out())
        return holders[:len(taken)], taken

    def _record(self, campaign, requests, taken, now):
        """Writes the documents of the units taken, in one round trip: each claim's outcome."""
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
        return [Outcome(view) if ok else Outcome(error=undone())
                for (_, _, view), ok in zip(claimed, recorded)]

    def _claimed(self, campaign, request, unit, now, prizes):
        """The document that records a claim's unit, its events and the claimant's answer."""
        prize, prize_unit = None, None
        if kind_of(campaign).draws_prizes:
            prize, prize_unit = self._draw(campaign, prizes)
            if prize is None:
                return no_prize(campaign, request, unit, now)
        coupon = {**rules.new_coupon(units.unit_id(*unit), campaign, request.consumer, now,
                                     prize), **units.unit_fields(unit, prize_unit)}
        events = envelopes([coupon_claimed(campaign, coupon)], self.clock)
        return coupon, events, rules.coupon_view(coupon)

    def _draw(self, campaign, prizes):
        """The prize tier won and its unit, or (None, None); ``prizes`` (units left per tier)
        is read once per batch and kept current here."""
        tier = rules.draw_prize(campaign["prize_tiers"], prizes, self.rng)
        prize_unit = tier and self.store.take_prize(campaign["_id"], tier["name"])
        if not prize_unit:
            return None, None
        prizes[tier["name"]] -= 1
        return tier, prize_unit

    def _now(self):
        return to_rfc3339(self.clock.now())


def no_prize(campaign, request, unit, now):
    """The record of a lucky draw's unit that won nothing, no events, and the answer."""
    record = units.placeholder(units.NO_PRIZE, unit, campaign["_id"], units.DRAW, now,
                               drawn_by=request.consumer)
    return record, [], rules.no_prize_view(campaign, now)


def coupon_claimed(campaign, coupon):
    """The ``coupon_claimed`` event of a new coupon."""
    return ("coupon_claimed", {
        "coupon_id": coupon["_id"], "campaign_id": campaign["_id"],
        "consumer": coupon["consumer"], "campaign_name": campaign["name"],
        "prize": coupon["prize"],
        # a lucky draw's coupon has its prize's face value and minimum spend
        "kind": campaign["kind"], **amounts({**campaign, **coupon}),
        "expires_at": coupon["expires_at"], "regions": campaign["eligibility"]["regions"]})


def limit_reached():
    return conflict("LIMIT_REACHED", "you hold as many coupons of this campaign as one person may")


def sold_out():
    return conflict("SOLD_OUT", "the campaign has no coupons left")


def undone():
    return unavailable("the claim took too long and was undone; try again")
