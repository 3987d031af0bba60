"""A merchant's redemption of a coupon at the till (single use, at an eligible merchant, before
expiry, minimum spend met) and its rollback within the window."""
import uuid
from functools import partial

from plumbing.clock import china_day, to_rfc3339
from plumbing.errors import DomainError, conflict, not_found
from services.coupons import cash_out, metrics, rules
from services.coupons.events import envelopes


class Redemptions:
    def __init__(self, store, clock, settings, campaigns, standings, requests):
        """``requests``: the IdempotentRequests by which a retried redemption gets the first
        answer."""
        self.store, self.clock, self.settings = store, clock, settings
        self.campaigns, self.standings, self.requests = campaigns, standings, requests

    def redeem(self, merchant_id, body, idempotency_key=None):
        """The redemption of ``body`` (code, order_amount_fen) by the merchant, counted by
        outcome."""
        try:
            result = self.requests.run(f"redeem:{merchant_id}", idempotency_key, body,
                                       partial(self._redeem, merchant_id, body))
        except DomainError as exc:
            metrics.REDEMPTIONS.labels(exc.code).inc()
            raise
        metrics.REDEMPTIONS.labels("redeemed").inc()
        return result

    def _redeem(self, merchant_id, body):
        now = self._now()
        coupon = self.store.coupon_by_code(body["code"])
        if coupon is None:
            raise not_found("COUPON_NOT_FOUND", "no coupon has this code")
        rules.require_usable(coupon, now)
        campaign = self.campaigns.get(coupon["campaign_id"])
        merchant = self.standings.of(merchant_id)
        rules.require_redeemable_at(campaign, merchant)
        redemption = {**new_redemption(coupon, campaign, merchant_id, merchant, body, now),
                      "marks": cash_out.marks(coupon, body["order_amount_fen"], now,
                                              self.settings.cash_out)}
        self._spend(campaign, redemption)
        # the coupon carries its redemption, so figures never depend on a second write
        redeemed = self.store.mark_coupon(coupon, "active", {
            "status": "redeemed", "redeemed_at": now, "redemption": redemption,
            "redemption_id": redemption["_id"]}, envelopes([coupon_redeemed(coupon, redemption)],
                                                          self.clock))
        if redeemed is None:
            self._give_back(campaign, redemption)
            rules.require_usable(self.store.coupon_by_code(body["code"]), now)
            raise conflict("ALREADY_REDEEMED", "this coupon has been used")
        self.store.insert_redemption(redemption, [])
        return {**{k: v for k, v in redemption.items() if k not in ("_id", "marks")},
                "redemption_id": redemption["_id"]}

    def roll_back(self, merchant_id, redemption_id, body):
        """Undoes the merchant's redemption within the window: the coupon is active again."""
        redemption = self.store.redemption(redemption_id)
        if redemption is None:
            raise not_found(message="no such redemption")
        now = self._now()
        rules.can_roll_back(redemption, merchant_id, now, self.settings.rollback_seconds)
        restored = self.store.mark_coupon(self.store.coupon(redemption["coupon_id"]), "redeemed", {
            "status": "active", "redeemed_at": None, "redemption": None, "redemption_id": None},
            envelopes([("coupon_redemption_rolled_back", {
                "coupon_id": redemption["coupon_id"], "redemption_id": redemption_id,
                "merchant_id": merchant_id, "reason": body["reason"]})], self.clock))
        if restored is None:
            raise conflict("WRONG_STATE", "the coupon is not redeemed any more")
        self._give_back(self.campaigns.get(redemption["campaign_id"]), redemption)
        self.store.mark_redemption(redemption_id, "done", {
            "status": "rolled_back", "rolled_back_at": now, "reason": body["reason"]}, [])
        metrics.REDEMPTIONS.labels("rolled_back").inc()
        return {"redemption_id": redemption_id, "status": "rolled_back",
                "coupon_id": redemption["coupon_id"]}

    def _spend(self, campaign, redemption):
        """Takes the discount from the campaign's budget and the merchant's daily cap, or
        refuses the redemption (409 BUDGET_EXHAUSTED, MERCHANT_CAP_REACHED)."""
        budget = rules.budget_released(campaign, redemption["at"])
        refused = self.store.spend(campaign, budget, redemption["merchant_id"],
                                   china_day(redemption["at"]), redemption["discount_fen"])
        if refused == "BUDGET_EXHAUSTED":
            raise conflict(refused, "the campaign's budget cannot pay this discount",
                           {"budget_fen": campaign["budget_fen"], "budget_released_fen": budget})
        if refused == "MERCHANT_CAP_REACHED":
            raise conflict(refused, "this shop has taken its day's cap of the campaign",
                           {"merchant_daily_cap_fen": campaign["merchant_daily_cap_fen"]})

    def _give_back(self, campaign, redemption):
        self.store.give_back(campaign, redemption["merchant_id"], china_day(redemption["at"]),
                             redemption["discount_fen"])

    def _now(self):
        return to_rfc3339(self.clock.now())


def new_redemption(coupon, campaign, merchant_id, merchant, body, now):
    return {"_id": uuid.uuid4().hex, "coupon_id": coupon["_id"], "campaign_id": campaign["_id"],
            "merchant_id": merchant_id, "merchant_name": merchant.get("name", ""),
            "order_amount_fen": body["order_amount_fen"],
            "discount_fen": rules.discount_for(campaign, coupon, body["order_amount_fen"]),
            "at": now, "status": "done"}


def coupon_redeemed(coupon, redemption):
    """The ``coupon_redeemed`` event of a redemption."""
    return ("coupon_redeemed", {
        "coupon_id": coupon["_id"], "campaign_id": redemption["campaign_id"],
        "consumer": coupon["consumer"], "merchant_id": redemption["merchant_id"],
        "redemption_id": redemption["_id"], "discount_fen": redemption["discount_fen"],
        "order_amount_fen": redemption["order_amount_fen"]})
