"""A ballot's draws against the real store: the winners are the draw's of the seed and the
sign-ups, a draw interrupted halfway through issuing (its replica lost the lease) and resumed
issues each winner exactly one coupon, with one ballot_won event each, and a second tranche's
draw takes the first's losers with two tickets, the later sign-ups with one, and the coupons
the first could not give."""
from datetime import UTC, datetime, timedelta

import pytest

from contracts.schemas.coupons import CampaignSchema
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.expiring_cache import ExpiringCache
from services.coupons import ballot, rules, signups
from services.coupons.balloting import Balloting, DrawInterrupted
from services.coupons.campaigns import Campaigns
from services.coupons.settings import CouponSettings
from services.coupons.store import COUPONS, CouponsStore

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
SIGNUPS, COUPONS_TO_WIN = 60, 20


@pytest.fixture
def store(indexed_store):
    return indexed_store(CouponsStore, "ballot_draw")


def balloting(store, **options):
    clock = FixedClock(NOW)
    settings = CouponSettings(stock_shards=1, rollback_seconds=600, expiring_before_seconds=60)
    campaigns = Campaigns(store, clock, settings, ExpiringCache(1.0, max_entries=100))
    return Balloting(store, clock, settings, campaigns, Coalescer(), **options)


def ballot_campaign(store, members, **fields):
    spec = CampaignSchema().load({
        "name": "摇号测试", "kind": "voucher", "face_value_fen": 1000, "min_spend_fen": 5000,
        "total_quantity": COUPONS_TO_WIN, "claim_starts_at": to_rfc3339(NOW - timedelta(days=1)),
        "claim_ends_at": to_rfc3339(NOW - timedelta(hours=1)), "valid_days": 30,
        "allocation": "ballot",
        "quotas": [{"group": "medics", "slots": 3, "consumers": members}] if members else [],
        **fields})
    campaign = balloting(store).campaigns.create(spec, "operator-1")
    return store.campaign(campaign["campaign_id"])


def signed_up(store, campaign, consumers, hours_ago=2):
    now = to_rfc3339(NOW - timedelta(hours=hours_ago))
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
    seed = bytes.fromhex(campaign[signups.SEED_FIELD][0])
    expected = ballot.draw(seed, [(s["signup_id"], 1, s["group"]) for s in entries],
                           COUPONS_TO_WIN, signups.quotas_of(campaign))
    # read: a renewal every 7 sign-ups (8 calls); the 12th call comes while issuing
    halfway = balloting(store, lease_every=7, issue_batch=4)
    with pytest.raises(DrawInterrupted):
        halfway.draw(campaign, losing_the_lease_at(12))
    issued_before = store.db[COUPONS].count_documents({})
    assert 0 < issued_before < COUPONS_TO_WIN
    assert signups.state_of(store.campaign(campaign["_id"])) == signups.ISSUING

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
    [drawn] = signups.draws(store.campaign(campaign["_id"]))
    assert (drawn["state"], drawn["signups"], drawn["winners"]) == (
        signups.DRAWN, SIGNUPS, COUPONS_TO_WIN)
    assert drawn["won_by_group"] == {"medics": 3}


def drawn_in_two(store, quantities, early_count, late_count):
    """A ballot in two tranches, drawn 3 hours and half an hour ago, of sign-ups made before
    the first draw and between the two: (campaign, early sign-ups, late sign-ups)."""
    times = (NOW - timedelta(hours=3), NOW - timedelta(minutes=30))
    campaign = ballot_campaign(store, [], tranches=[
        {"starts_at": to_rfc3339(t), "quantity": q} for t, q in zip(times, quantities)])
    early = signed_up(store, campaign, [f"early-{n}" for n in range(early_count)], hours_ago=4)
    late = signed_up(store, campaign, [f"late-{n}" for n in range(late_count)], hours_ago=2)
    campaign = balloting(store).campaigns.move(campaign["_id"], lambda c: rules.transition(
        c, "activate", "operator-1", to_rfc3339(NOW)))
    balloting(store).draw_due(lambda: True)
    return campaign, early, late


def test_the_second_draw_takes_the_first_s_losers_with_two_tickets_and_its_coupons_left(store):
    campaign, early, late = drawn_in_two(store, (15, 5), 10, 30)

    first, second = signups.draws(store.campaign(campaign["_id"]))
    assert (first["signups"], first["coupons"], first["winners"]) == (10, 15, 10)
    assert (second["signups"], second["coupons"], second["state"]) == (30, 10, signups.DRAWN)
    seed = bytes.fromhex(campaign[signups.SEED_FIELD][1])
    assert second["winners"] == 10
    expected = ballot.draw(seed, [(s["signup_id"], 1, None) for s in late], 10)
    won = {c["signup_id"] for c in store.db[COUPONS].find()}
    assert won == {s["signup_id"] for s in early} | set(expected)
    assert {s["won_in"] for s in store.db["signups"].find({"_id": {"$in": [
        s["_id"] for s in early]}})} == {0}


def test_a_loser_of_the_first_draw_holds_two_tickets_in_the_second(store):
    campaign, early, late = drawn_in_two(store, (4, 16), 12, 20)

    seeds = [bytes.fromhex(seed) for seed in campaign[signups.SEED_FIELD]]
    won_first = ballot.draw(seeds[0], [(s["signup_id"], 1, None) for s in early], 4)
    carried = [(s["signup_id"], 2, None) for s in early if s["signup_id"] not in won_first]
    listed = sorted(carried + [(s["signup_id"], 1, None) for s in late])
    won_second = ballot.draw(seeds[1], listed, 16)
    won = {c["signup_id"]: c for c in store.db[COUPONS].find()}
    assert set(won) == set(won_first) | set(won_second) and len(won) == 20
    page = balloting(store).signups_page(campaign["_id"], 1)
    assert page["text"].splitlines()[1:] == [f"{s},{w}," for s, w, _ in listed]


def test_a_consumer_signs_up_once_however_often_it_asks(store):
    campaign = ballot_campaign(store, ["carol"])
    first, again, other = store.insert_signups([
        signups.new_signup(campaign, c, to_rfc3339(NOW)) for c in ("ann", "ann", "bob")])
    assert (first[1], again[1], other[1]) == (True, False, True)
    assert again[0]["signup_id"] == first[0]["signup_id"]
    assert store.insert_signups([signups.new_signup(campaign, "ann", to_rfc3339(NOW))])[0][0][
        "signup_id"] == first[0]["signup_id"]
