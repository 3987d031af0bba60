"""An expired coupon's value goes to the next tranche, against the real store: the expiry pass
marks its unit to give back while a tranche is ahead, and the reconciler returns it once
however often it runs; with no tranche ahead nothing comes back."""
from datetime import UTC, datetime, timedelta

import pytest

from contracts.schemas.coupons import CampaignSchema
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.expiring_cache import ExpiringCache
from plumbing.idempotency import IdempotentRequests
from services.coupons.campaigns import Campaigns
from services.coupons.claiming import Claiming
from services.coupons.claims import ClaimRequest
from services.coupons.reconciler import StockReconciler
from services.coupons.settings import CouponSettings
from services.coupons.store import COUPONS, REQUESTS, CouponsStore
from services.coupons.timers import Timers

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
SETTINGS = CouponSettings(stock_shards=2, rollback_seconds=600, expiring_before_seconds=60)


@pytest.fixture
def coupons(indexed_store):
    store, clock = indexed_store(CouponsStore, "tranche_returns"), FixedClock(NOW)
    campaigns = Campaigns(store, clock, SETTINGS, ExpiringCache(0.0, max_entries=10))
    claiming = Claiming(store, clock, SETTINGS, campaigns, None,
                        IdempotentRequests(store.db[REQUESTS], clock), Coalescer(), Coalescer())
    timers = Timers(store, clock, SETTINGS, campaigns, StockReconciler(60))
    return store, clock, campaigns, claiming, timers


def campaign_with(campaigns, tranches):
    spec = CampaignSchema().load({
        "name": "分批消费券", "kind": "voucher", "face_value_fen": 1000, "min_spend_fen": 0,
        "total_quantity": 4, "claim_starts_at": to_rfc3339(NOW - timedelta(hours=1)),
        "claim_ends_at": to_rfc3339(NOW + timedelta(days=3)),
        "valid_until": to_rfc3339(NOW + timedelta(hours=1)), "tranches": tranches})
    draft = campaigns.create(spec, "operator-1")
    return campaigns.act(draft["campaign_id"], "activate", "operator-1")


@pytest.mark.parametrize("ahead, returned", [(True, 1), (False, 0)])
def test_an_expired_coupon_s_unit_comes_back_once_for_a_tranche_ahead(coupons, ahead, returned):
    store, clock, campaigns, claiming, timers = coupons
    later = NOW + timedelta(days=1) if ahead else NOW - timedelta(minutes=30)
    campaign = campaign_with(campaigns, [
        {"starts_at": to_rfc3339(NOW - timedelta(hours=1)), "quantity": 2},
        {"starts_at": to_rfc3339(later), "quantity": 2}])
    campaign_id = campaign["campaign_id"]
    timers.keep_time()  # a tranche whose time has come is released
    before = store.remaining(campaign_id)[0]
    coupon = claiming.claim(ClaimRequest(campaign_id, "c-1", {}, None, "req-1"))
    clock.advance(hours=2)  # past the coupon's validity
    timers.keep_time()
    assert store.db[COUPONS].find_one({"_id": coupon["coupon_id"]})["status"] == "expired"
    for _ in range(2):
        timers.reconcile_stock()
    assert store.remaining(campaign_id)[0] == before - 1 + returned
