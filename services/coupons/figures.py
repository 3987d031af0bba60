"""What operators see of a campaign: its figures and the per-merchant settlement CSV."""
from services.coupons import rules

STATS_ROWS = 100
SETTLEMENT_ROWS = 1000


class Figures:
    def __init__(self, store, campaigns):
        self.store, self.campaigns = store, campaigns

    def stats(self, campaign_id, cursor=None, limit=STATS_ROWS):
        campaign = self.campaigns.get(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, limit)
        return {**rules.figures(campaign_id, self.store.campaign_totals(campaign_id),
                                self.campaigns.remaining(campaign), rows),
                "budget_fen": campaign.get("budget_fen"),
                "budget_spent_fen": self.store.budget_spent(campaign_id),
                "per_merchant_next_cursor": next_cursor}

    def settlement_page(self, campaign_id, cursor=None):
        """One page of the settlement CSV (its header first, its TOTAL row last): (text, next
        cursor); the gateway streams the pages."""
        self.campaigns.get(campaign_id)
        rows, next_cursor = self.store.merchant_rows(campaign_id, cursor, SETTLEMENT_ROWS)
        holds = self.store.holds_of(campaign_id)
        rows = [{**row, "held": rules.held_mark(holds.get(row["merchant_id"]))} for row in rows]
        totals = None if next_cursor else self.store.campaign_totals(campaign_id)
        return {"text": rules.settlement_text(rows, header=cursor is None, totals=totals),
                "next_cursor": next_cursor}
