"""Cash-out checks of campaigns (services/coupons/cash_out.py has the signals): the schedule's
pass that holds the settlement of a merchant whose signals crossed, telling the regulators of
its region and proposing a spot check; the operator's view of every signal; the release."""
import logging

from plumbing.clock import china_day, shifted, to_rfc3339
from plumbing.errors import conflict, not_found
from services.coupons import cash_out, metrics, rules, settlement
from services.coupons.events import envelopes

log = logging.getLogger(__name__)

ROWS_PAGE = 1000
RECENT_SECONDS = 3 * 24 * 3600  # a closed campaign is checked while its last days settle


class CashOutChecks:
    def __init__(self, store, clock, settings, campaigns, standings):
        self.store, self.clock, self.settings = store, clock, settings
        self.campaigns, self.standings = campaigns, standings
        self.thresholds = settings.cash_out

    def assess_due(self):
        """Checks the live campaigns and those closed lately that were redeemed at since
        their last check (an idle pass reads three lists, whatever the campaigns); holds
        whoever crossed."""
        now = self._now()
        campaigns = self.store.campaigns_in(rules.LIVE_STATUSES) + \
            self.store.closed_since(shifted(now, -RECENT_SECONDS))
        ids = [campaign["_id"] for campaign in campaigns]
        redeemed, checked = self.store.counted(ids, "redeemed"), self.store.checked_counts(ids)
        for campaign in campaigns:
            seen = redeemed.get(campaign["_id"], 0)
            if seen != checked.get(campaign["_id"], 0):
                self.assess(campaign)
                self.store.mark_checked(campaign["_id"], seen)

    def assess(self, campaign):
        """Holds the settlement of each merchant of the campaign whose signals crossed: the
        holds made now."""
        candidates, merchants = self._candidates(campaign["_id"])
        redeemed = self.store.campaign_totals(campaign["_id"])["redeemed"]
        made = []
        for row in candidates:
            found = self._signals(row, redeemed, merchants, read_pairs=False)
            if cash_out.could_hold(found, self.thresholds):
                found = self._signals(row, redeemed, merchants, read_pairs=True)
            if cash_out.to_hold(found, self.thresholds):
                hold = self._hold(campaign, row["merchant_id"], found)
                if hold is not None:
                    made.append(hold)
        return made

    def view(self, campaign_id, cursor=None, limit=100):
        """A page of the merchants the checks judge (``min_redemptions`` or more), each with
        every signal explained and its hold."""
        self.campaigns.get(campaign_id)
        _, merchants = self._candidates(campaign_id)
        redeemed = self.store.campaign_totals(campaign_id)["redeemed"]
        rows, next_cursor = self.store.merchant_rows(
            campaign_id, cursor, limit, least=self.thresholds.min_redemptions,
            figures=cash_out.ROW_FIGURES)
        holds = self.store.holds_of(campaign_id)
        items = [{**row, "signals": cash_out.explained(
                      self._signals(row, redeemed, merchants, read_pairs=True)),
                  "hold": cash_out.hold_view(holds.get(row["merchant_id"]))} for row in rows]
        return {"items": items, "next_cursor": next_cursor}

    def release(self, campaign_id, merchant_id, by, reason):
        """An operator releases a held settlement, saying why."""
        hold = self.store.hold(campaign_id, merchant_id)
        if hold is None:
            raise not_found(message="this merchant's settlement is not held")
        if hold["status"] != cash_out.HOLD:
            raise conflict("WRONG_STATE", "this hold was released already")
        now = self._now()
        fields = {"status": cash_out.RELEASED, "released_at": now, "released_by": by,
                  "reason": reason, "paid_with": china_day(now),
                  "released_fen": self._kept_back(hold, now)}
        released = self.store.release_hold(hold, fields, envelopes([(
            "settlement_released", {**cash_out.named(hold), "by": by, "reason": reason,
                                    "released_at": fields["released_at"]})], self.clock))
        if released is None:
            raise conflict("WRONG_STATE", "this hold was released already")
        metrics.SETTLEMENT_HOLDS.labels("released").inc()
        return cash_out.hold_view(released)

    def _kept_back(self, hold, released_at):
        """What the hold kept from the merchant: its discounts of the days that became final
        while it stood (a few point reads, one per such day)."""
        days = settlement.days_held(hold, released_at, self.settings.rollback_seconds)
        return sum(self.store.day_totals(hold["campaign_id"], day, hold["merchant_id"])[
            "discount_fen"] for day in days)

    def _candidates(self, campaign_id):
        """(the rows of merchants with ``min_redemptions`` or more, how many merchants
        redeemed), in one walk of the campaign's rows."""
        candidates, merchants, cursor = [], 0, None
        while True:
            rows, cursor = self.store.merchant_rows(campaign_id, cursor, ROWS_PAGE, named=False,
                                                    figures=cash_out.ROW_FIGURES)
            merchants += len(rows)
            candidates += [r for r in rows if r["redemptions"] >= self.thresholds.min_redemptions]
            if cursor is None:
                return candidates, merchants

    def _signals(self, row, redeemed, merchants, read_pairs):
        repeat = cash_out.repeat_share(self.store.pair_counts(row["merchant_id"]),
                                       self.thresholds) if read_pairs else 0.0
        return cash_out.signals(row, repeat, redeemed, merchants, self.thresholds)

    def _hold(self, campaign, merchant_id, found):
        hold = cash_out.new_hold(campaign, self.standings.of(merchant_id), merchant_id, found,
                                 self._now())
        event = ("settlement_held", {
            **cash_out.named(hold), "signals": hold["signals"], "held_at": hold["held_at"],
            "spot_check_proposed": True})
        if not self.store.insert_hold(hold, envelopes([event], self.clock)):
            return None  # held before (and perhaps released: an operator's word stands)
        metrics.SETTLEMENT_HOLDS.labels("held").inc()
        log.warning("settlement held for cash-out signals", extra={
            "campaign_id": campaign["_id"], "merchant_id": merchant_id})
        return hold

    def _now(self):
        return to_rfc3339(self.clock.now())
