"""A campaign's lifecycle: created as a draft, moved by its operator and by the clock, ended
when it sells out; and read as claims read it, from a short per-process memory."""
import uuid

from plumbing.clock import to_rfc3339
from plumbing.documents import visible
from plumbing.errors import not_found
from plumbing.versioned import Change, apply_with_retries
from services.coupons import metrics, rules, signups
from services.coupons.events import envelopes
from services.coupons.store import CAMPAIGNS


class Campaigns:
    def __init__(self, store, clock, settings, recent):
        """``recent``: the ExpiringCache of campaigns as claims read them (one per process)."""
        self.store, self.clock, self.settings, self.recent = store, clock, settings, recent

    def create(self, spec, by):
        campaign = rules.new_campaign(uuid.uuid4().hex, spec, by, self._now())
        if not signups.is_ballot(campaign):  # a ballot's coupons go to its winners, not claims
            self.store.create_stock(campaign["_id"], rules.initial_stock(campaign),
                                    self.settings.stock_shards, campaign["prize_tiers"])
        if campaign.get("budget_fen") is not None:
            self.store.create_budget(campaign["_id"])
        self.store.insert_campaign(campaign, [])
        return self.view(campaign)

    def get(self, campaign_id):
        campaign = self.store.campaign(campaign_id)
        if campaign is None:
            raise not_found("CAMPAIGN_NOT_FOUND", "no such campaign")
        return campaign

    def view(self, campaign):
        return {"campaign_id": campaign["_id"], "remaining": self.remaining(campaign),
                **visible(campaign, signups.SEED_FIELD)}

    def remaining_of(self, campaigns):
        """{campaign id: its remaining coupons} of many campaigns, in a round trip or two:
        those still to be claimed, or for a ballot still to be issued."""
        ballots = [c for c in campaigns if signups.is_ballot(c)]
        first_come = [c["_id"] for c in campaigns if not signups.is_ballot(c)]
        left = self.store.draws_remaining(first_come) if first_come else {}
        if ballots:
            issued = self.store.counted([c["_id"] for c in ballots], "issued")
            left.update({c["_id"]: c["total_quantity"] - issued.get(c["_id"], 0)
                         for c in ballots})
        return left

    def remaining(self, campaign):
        return self.remaining_of([campaign])[campaign["_id"]]

    def act(self, campaign_id, action, by):
        """An operator's action (activate, pause, resume, cancel): the campaign's view after."""
        def operators_move(campaign):
            return rules.transition(campaign, action, by, self._now())
        return self.view(self.move(campaign_id, operators_move))

    def end_sold_out(self, campaign_id):
        def sold_out(campaign):
            if not rules.may_sell_out(campaign):
                return None
            return rules.moved(campaign, "ended", "system", self._now(), rules.SOLD_OUT)
        return self.move(campaign_id, sold_out)

    def release_tranches(self, campaign, now):
        """Adds each tranche whose time has come to the stock, once."""
        for index, tranche in rules.tranches_due(campaign, now):
            self.store.release_tranche(campaign["_id"], index, tranche["quantity"],
                                       self.settings.stock_shards)
            self.move(campaign["_id"], lambda c, index=index: None if c[
                "tranches_released"] > index else Change({"tranches_released": index + 1}, []))

    def move(self, campaign_id, decide):
        """Applies ``decide(campaign) -> Change | None`` (retried on a concurrent write); this
        process forgets the campaign at once, and a campaign no longer live loses its gauge."""
        moved = apply_with_retries(lambda: self.get(campaign_id), decide, self._save)
        self.recent.forget(campaign_id)
        if moved["status"] not in rules.LIVE_STATUSES:
            metrics.drop_stock(campaign_id)
        return moved

    def _save(self, campaign, change):
        return self.store.save_versioned(CAMPAIGNS, campaign, change.fields,
                                         envelopes(change.events, self.clock))

    def recent_one(self, campaign_id):
        """The campaign as this process read it lately (a rush reads the same few thousands of
        times a second); a change made here, or another process's event, drops it."""
        campaign = self.recent.get(campaign_id)
        if campaign is None:
            read_at = self.recent.now()
            campaign = self.get(campaign_id)
            self.recent.put(campaign_id, campaign, campaign_id, read_at)
        return campaign

    def public_page(self, query, standings):
        """A page of the active campaigns, of a region and/or a merchant may use."""
        region, merchant = query.get("region"), None
        if query.get("merchant_id"):
            merchant = standings.of(query["merchant_id"])
            if not merchant["known"]:
                return {"items": [], "next_cursor": None}

        def shown(campaign):
            return (not region or rules.concerns_region(campaign, region)) and (
                merchant is None or rules.merchant_fits(campaign, merchant))

        campaigns, next_cursor = self.store.campaign_page(["active"], shown, query.get("cursor"),
                                                          query.get("limit", 20))
        return {"items": [self.view(c) for c in campaigns], "next_cursor": next_cursor}

    def _now(self):
        return to_rfc3339(self.clock.now())


def forget_changed(recent, campaign_id, to):
    """Another process changed the campaign (its ``campaign_status_changed`` event, seen by
    every replica): forget it, and drop the gauge of one no longer live (a replica that held
    the schedule's lease before still shows it)."""
    recent.forget(campaign_id)
    if to not in rules.LIVE_STATUSES:
        metrics.drop_stock(campaign_id)
