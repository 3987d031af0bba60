"""What operators see of a campaign: its figures and the per-merchant settlement CSV."""
from services.coupons import rules, settlement

STATS_ROWS = 100
SETTLEMENT_ROWS = 1000


class Figures:
    def __init__(self, store, campaigns):
        self.store, self.campaigns = store, campaigns

    def stats(self, campaign_id, now, cursor=None, limit=STATS_ROWS):
        campaign = self.campaigns.get(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, limit)
        return {**rules.figures(campaign_id, self.store.campaign_totals(campaign_id),
                                self.campaigns.remaining(campaign), rows),
                "budget_fen": campaign.get("budget_fen"),
                "budget_released_fen": rules.budget_released(campaign, now),
                "budget_spent_fen": self.store.budget_spent(campaign_id),
                "per_merchant_next_cursor": next_cursor}

    def settlement_page(self, campaign_id, cursor=None):
        """One page of the settlement CSV (its header first, its TOTAL row last): (text, next
        cursor); the gateway streams the pages."""
        self.campaigns.get(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, SETTLEMENT_ROWS)
        holds = self.store.holds_of(campaign_id)
        rows = [{**row, "held": settlement.held_mark(holds.get(row["merchant_id"]))}
                for row in rows]
        totals = None if next_cursor else self.store.campaign_totals(campaign_id)
        return {"text": settlement.settlement_text(rows, header=cursor is None, totals=totals),
                "next_cursor": next_cursor}

    def daily_settlement_page(self, campaign_id, day, now, rollback_seconds, cursor=None):
        """One page of a day's settlement CSV (T+1: ``final`` once the day's redemptions can
        no longer be rolled back): each merchant's redemptions of the day, held or payable;
        on the last page the rows paying what released holds kept back, and the TOTAL with
        what is payable."""
        self.campaigns.get(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, SETTLEMENT_ROWS,
                                                     day=day)
        holds = self.store.holds_of(campaign_id)

        def held(merchant_id):
            return settlement.held_on(holds.get(merchant_id), day, now, rollback_seconds)
        rows = [settlement.payable(row, held(row["merchant_id"])) for row in rows]
        totals = None
        if next_cursor is None:
            releases = settlement.release_rows(holds, day)
            rows += releases
            totals = self._day_totals(campaign_id, day, [m for m in holds if held(m)],
                                      sum(row["payable_fen"] for row in releases))
        return {"text": settlement.settlement_text(rows, cursor is None, totals,
                                                   settlement.DAILY_COLUMNS),
                "next_cursor": next_cursor,
                "final": settlement.day_final(day, now, rollback_seconds)}

    def _day_totals(self, campaign_id, day, held_merchants, released_fen):
        totals = self.store.day_totals(campaign_id, day)
        totals["redeemed"] = totals.pop("redemptions")
        held = sum(self.store.day_totals(campaign_id, day, merchant_id)["discount_fen"]
                   for merchant_id in held_merchants)
        return {**totals, "payable_fen": totals["discount_fen"] - held + released_fen}
