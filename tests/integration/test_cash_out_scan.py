"""The cash-out schedule against the real store touches only what is due: a pass checks the
campaigns redeemed at since their last check, and an idle pass checks none, however many
campaigns are live."""
from datetime import UTC, datetime, timedelta

import pytest

from contracts.schemas.coupons import CampaignSchema
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.expiring_cache import ExpiringCache
from services.coupons import listing, rules
from services.coupons.campaigns import Campaigns
from services.coupons.cash_out_checks import CashOutChecks
from services.coupons.settings import CouponSettings
from services.coupons.store import CouponsStore

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


class CountedChecks(CashOutChecks):
    """The real checks, counting which campaigns a pass assessed."""

    def __init__(self, *args):
        super().__init__(*args)
        self.assessed = []

    def assess(self, campaign):
        self.assessed.append(campaign["_id"])
        return super().assess(campaign)


@pytest.fixture
def store(indexed_store):
    return indexed_store(CouponsStore, "cash_out_scan")


def live_campaigns(store, campaigns, count):
    spec = CampaignSchema().load({
        "name": "国庆餐饮消费券", "kind": "voucher", "face_value_fen": 1000,
        "min_spend_fen": 5000, "total_quantity": 100, "valid_days": 30,
        "claim_starts_at": to_rfc3339(NOW - timedelta(days=1)),
        "claim_ends_at": to_rfc3339(NOW + timedelta(days=1))})
    made = [campaigns.create(spec, "operator-1")["campaign_id"] for _ in range(count)]
    for campaign_id in made:
        campaigns.move(campaign_id, lambda c: rules.transition(
            c, "activate", "operator-1", to_rfc3339(NOW)))
    return made


def redeemed(store, campaign_id, count):
    """The campaign's redemption total as the counters hold it once redemptions settled."""
    store.db[listing.COUNTERS].update_one({"_id": listing.campaign_counter(campaign_id)},
                                          {"$set": {"redeemed": count}}, upsert=True)


def test_a_pass_checks_only_the_campaigns_redeemed_at_since_the_last_one(store):
    clock = FixedClock(NOW)
    settings = CouponSettings(stock_shards=1, rollback_seconds=600, expiring_before_seconds=60)
    campaigns = Campaigns(store, clock, settings, ExpiringCache(1.0, max_entries=100))
    checks = CountedChecks(store, clock, settings, campaigns, None)  # no hold is made
    first, second, *_ = live_campaigns(store, campaigns, 12)

    checks.assess_due()
    assert checks.assessed == [], "no campaign was redeemed at"
    redeemed(store, first, 3)
    redeemed(store, second, 1)
    checks.assess_due()
    assert sorted(checks.assessed) == sorted([first, second])
    checks.assessed.clear()
    checks.assess_due()
    assert checks.assessed == [], "an idle pass checks nothing"
    redeemed(store, second, 2)
    checks.assess_due()
    assert checks.assessed == [second]
