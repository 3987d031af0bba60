"""The passes of the coupons service's schedules: campaigns moved by the clock, coupons expired
or warned of their expiry, and units of stock lost by dead claims returned."""
import time
from functools import partial

from plumbing.clock import shifted, to_rfc3339
from services.coupons import metrics, rules
from services.coupons.events import envelopes
from services.coupons.store import SCHEDULE_BATCH

RECONCILE_AFTER_CLOSE_SECONDS = 24 * 3600  # claims in flight when a campaign stopped


class Timers:
    def __init__(self, store, clock, settings, campaigns, reconciler):
        """``reconciler``: the process's StockReconciler. One pass spends at most a schedule's
        interval (``settings.scan_seconds``) expiring coupons; the rest waits for the next."""
        self.store, self.clock, self.settings = store, clock, settings
        self.campaigns, self.reconciler = campaigns, reconciler
        self.budget_seconds = settings.scan_seconds

    def keep_time(self):
        """Moves campaigns by the clock, ends sold-out ones, expires coupons and warns of
        expiry, and refreshes the stock gauges: the live campaigns, their stock and budgets
        read in three round trips, and a write only for what is due."""
        now = self._now()
        live = self.store.campaigns_in(rules.LIVE_STATUSES)
        left = self.campaigns.remaining_of(live)
        spent = self.store.budgets_spent([c["_id"] for c in live if c.get("budget_fen")])
        for campaign in live:
            self._keep_time_of(campaign, now, left[campaign["_id"]], spent.get(campaign["_id"]))
        metrics.keep_only([c["_id"] for c in live])
        self._expire_coupons(now)

    def _keep_time_of(self, campaign, now, draws, spent):
        campaign_id, moved = campaign["_id"], campaign
        self.campaigns.release_tranches(campaign, now)
        if rules.clock_move(campaign, now) is not None:
            moved = self.campaigns.move(campaign_id, partial(rules.clock_move, now=now))
        if draws == 0 and rules.may_sell_out(moved):
            moved = self.campaigns.end_sold_out(campaign_id)
        if moved["status"] in rules.LIVE_STATUSES:
            metrics.show_stock(campaign_id, draws)
            if spent is not None:
                metrics.show_budget(campaign_id, spent)

    def _expire_coupons(self, now):
        """Expires coupons past their end and warns those about to reach it, batch by batch,
        for at most ``budget_seconds`` a pass (the rest next pass)."""
        before, started = self.settings.expiring_before_seconds, time.monotonic()
        for due in (partial(self.store.coupons_expired_by, now),
                    partial(self.store.coupons_expiring_by, shifted(now, before))):
            while time.monotonic() - started < self.budget_seconds:
                batch = due()
                for coupon in batch:
                    self._expire_or_warn(coupon, now, before)
                if len(batch) < SCHEDULE_BATCH:
                    break

    def _expire_or_warn(self, coupon, now, before):
        if coupon["expires_at"] <= now:
            self.store.mark_coupon(coupon, "active", {"status": "expired",
                                                      **self._returned_for_a_tranche(coupon)})
        elif rules.expiring_soon(coupon, now, before):
            self.store.mark_coupon(coupon, "active", {"expiring_notified_at": now},
                                   envelopes([coupon_expiring(coupon)], self.clock))

    def _returned_for_a_tranche(self, coupon):
        """An expired coupon's unit goes back to its counter (the reconciler gives it back,
        once) while its campaign has a tranche ahead: its value is the next tranche's."""
        if "unit_counter" not in coupon or coupon.get("prize"):
            return {}
        campaign = self.campaigns.recent_one(coupon["campaign_id"])
        return {"return": "pending"} if rules.tranche_ahead(campaign) else {}

    def reconcile_stock(self):
        """Returns units of stock that claims took and died before recording."""
        now = self._now()
        campaigns = self.store.campaigns_in(rules.LIVE_STATUSES) + self.store.closed_since(
            shifted(now, -RECONCILE_AFTER_CLOSE_SECONDS))
        self.reconciler.run(self.store, [c["_id"] for c in campaigns], now)

    def _now(self):
        return to_rfc3339(self.clock.now())


def coupon_expiring(coupon):
    return ("coupon_expiring", {"coupon_id": coupon["_id"], "consumer": coupon["consumer"],
                                "campaign_id": coupon["campaign_id"],
                                "expires_at": coupon["expires_at"]})
