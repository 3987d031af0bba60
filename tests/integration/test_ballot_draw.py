"""A ballot's draw against the real store: the winners are the draw's of the seed and the
sign-ups, and a draw interrupted halfway through issuing (its replica lost the lease) and
resumed issues each winner exactly one coupon, with one ballot_won event each."""
from datetime import UTC, datetime, timedelta

import pytest

from contracts.schemas.coupons import CampaignSchema
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.expiring_cache import ExpiringCache
from plumbing.mongo import create_indexes
from services.coupons import ballot, signups
from services.coupons.balloting import Balloting, DrawInterrupted
from services.coupons.campaigns import Campaigns
from services.coupons.settings import CouponSettings
from services.coupons.store import COUPONS, CouponsStore

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
SIGNUPS, COUPONS_TO_WIN = 60, 20


@pytest.fixture
def store(empty_database):
    db = empty_database("ballot_draw")
    for collection, models in CouponsStore.all_indexes().items():
        create_indexes(db[collection], models)
    return CouponsStore(db)


def balloting(store, **options):
    clock = FixedClock(NOW)
    settings = CouponSettings(stock_shards=1, rollback_seconds=600, expiring_before_seconds=60)
    campaigns = Campaigns(store, clock, settings, ExpiringCache(1.0, max_entries=100))
    return Balloting(store, clock, settings, campaigns, Coalescer(), **options)


def ballot_campaign(store, members):
    spec = CampaignSchema().load({
        "name": "摇号测试", "kind": "voucher", "face_value_fen": 1000, "min_spend_fen": 5000,
        "total_quantity": COUPONS_TO_WIN, "claim_starts_at": to_rfc3339(NOW - timedelta(days=1)),
        "claim_ends_at": to_rfc3339(NOW - timedelta(hours=1)), "valid_days": 30,
        "allocation": "ballot",
        "quotas": [{"group": "medics", "slots": 3, "consumers": members}]})
    campaign = balloting(store).campaigns.create(spec, "operator-1")
    return store.campaign(campaign["campaign_id"])


def signed_up(store, campaign, consumers):
    now = to_rfc3339(NOW - timedelta(hours=2))
    stored = store.insert_signups([signups.new_signup(campaign, c, now) for c in consumers])
    return [document for document, _ in stored]


def losing_the_lease_at(call):
    calls = []

    def still_holding():
        calls.append(call)
        return len(calls) < call
    return still_holding


def test_an_interrupted_draw_resumed_issues_each_winner_one_coupon(store):
    consumers = [f"consumer-{n:03d}" for n in range(SIGNUPS)]
    campaign = ballot_campaign(store, consumers[:5])
    entries = signed_up(store, campaign, consumers)
    seed = bytes.fromhex(campaign[signups.SEED_FIELD])
    expected = ballot.draw(seed, [(s["signup_id"], s["weight"], s["group"]) for s in entries],
                           COUPONS_TO_WIN, signups.quotas_of(campaign))
    # read: a renewal every 7 sign-ups (8 calls); the 12th call comes while issuing
    halfway = balloting(store, lease_every=7, issue_batch=4)
    with pytest.raises(DrawInterrupted):
        halfway.draw(campaign, losing_the_lease_at(12))
    issued_before = store.db[COUPONS].count_documents({})
    assert 0 < issued_before < COUPONS_TO_WIN
    assert store.campaign(campaign["_id"])[signups.BALLOT]["state"] == signups.ISSUING

    balloting(store).draw(store.campaign(campaign["_id"]), lambda: True)
    coupons = list(store.db[COUPONS].find())
    by_signup = {s["signup_id"]: s["consumer"] for s in entries}
    assert sorted(c["signup_id"] for c in coupons) == sorted(expected)
    assert sorted(c["consumer"] for c in coupons) == sorted(by_signup[s] for s in expected)
    assert all(c["_id"] == signups.coupon_id_of(campaign["_id"], c["signup_id"])
               for c in coupons)
    assert sum(1 for s in expected.values() if s == "medics") == 3
    assert [len(c["outbox"]) for c in coupons] == [1] * COUPONS_TO_WIN
    assert {e["envelope"]["type"] for c in coupons for e in c["outbox"].values()} == {
        "ballot_won"}
    drawn = store.campaign(campaign["_id"])[signups.BALLOT]
    assert (drawn["state"], drawn["signups"], drawn["winners"]) == (
        signups.DRAWN, SIGNUPS, COUPONS_TO_WIN)


def test_a_consumer_signs_up_once_however_often_it_asks(store):
    campaign = ballot_campaign(store, ["carol"])
    first, again, other = store.insert_signups([
        signups.new_signup(campaign, c, to_rfc3339(NOW)) for c in ("ann", "ann", "bob")])
    assert (first[1], again[1], other[1]) == (True, False, True)
    assert again[0]["signup_id"] == first[0]["signup_id"]
    assert store.insert_signups([signups.new_signup(campaign, "ann", to_rfc3339(NOW))])[0][0][
        "signup_id"] == first[0]["signup_id"]
