"""The coupons application code in-process (services/coupons/claiming.py, redemptions.py,
timers.py, campaigns.py): the real code over an in-memory store (tests/unit/fakes/) and a
FixedClock, with the batching helpers it uses in production."""
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from contracts.schemas.coupons import CampaignSchema
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.errors import DomainError, validated
from plumbing.expiring_cache import ExpiringCache
from plumbing.idempotency import IdempotentRequests
from services.coupons import metrics
from services.coupons.campaigns import Campaigns
from services.coupons.claiming import Claiming
from services.coupons.claims import ClaimRequest
from services.coupons.redemptions import Redemptions
from services.coupons.settings import CouponSettings
from services.coupons.standings import Standings
from services.coupons.store import REQUESTS
from services.coupons.timers import Timers
from tests.unit.fakes.coupon_store import FakeCouponStore
from tests.unit.fakes.registry_rpc import FakeRegistry

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
SETTINGS = CouponSettings(stock_shards=2, rollback_seconds=3600,
                          expiring_before_seconds=24 * 3600)
MERCHANT = {"merchant_id": "m-1", "status": "certified", "region": "330106",
            "industry": "catering", "name": "西湖放心面馆"}


class CountingReconciler:
    def __init__(self):
        self.passes = []

    def run(self, store, campaign_ids, now):
        self.passes.append((campaign_ids, now))


@pytest.fixture
def app():
    """The application wired as CouponsService wires it, over fakes."""
    store, clock = FakeCouponStore(), FixedClock(START)
    campaigns = Campaigns(store, clock, SETTINGS, ExpiringCache(60, 100))
    standings = Standings(store, FakeRegistry([MERCHANT]), clock)
    requests = IdempotentRequests(store.db[REQUESTS], clock)
    reconciler = CountingReconciler()
    return SimpleNamespace(
        store=store, clock=clock, campaigns=campaigns, reconciler=reconciler,
        claiming=Claiming(store, clock, SETTINGS, campaigns, standings, requests, Coalescer(),
                          Coalescer()),
        redemptions=Redemptions(store, clock, SETTINGS, campaigns, standings, requests),
        timers=Timers(store, clock, SETTINGS, campaigns, reconciler))


def active_campaign(app, **overrides):
    spec = validated(CampaignSchema(), {
        "name": "国庆餐饮消费券", "kind": "voucher", "face_value_fen": 1000,
        "min_spend_fen": 5000, "total_quantity": 3, "per_consumer_limit": 1,
        "claim_starts_at": "2026-10-01T08:00:00Z", "claim_ends_at": "2026-10-08T00:00:00Z",
        "valid_days": 30, "eligibility": {"regions": ["330100"]}, **overrides})
    draft = app.campaigns.create(spec, "operator-1")
    return app.campaigns.act(draft["campaign_id"], "activate", "operator-1")


def claim(app, campaign, consumer="c-1", key=None, body=None):
    return app.claiming.claim(ClaimRequest(campaign["campaign_id"], consumer, body or {}, key,
                                           "req-1"))


def refusal(call):
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# --- claims ------------------------------------------------------------------------------------

def test_a_claim_gets_a_coupon_and_its_event(app):
    campaign = active_campaign(app)
    coupon = claim(app, campaign)
    assert coupon["status"] == "active" and coupon["code"]
    assert coupon["face_value_fen"] == 1000 and coupon["campaign_id"] == campaign["campaign_id"]
    assert app.store.remaining(campaign["campaign_id"])[0] == 2
    [event] = app.store.events_of("coupon_claimed")
    assert event["coupon_id"] == coupon["coupon_id"] and event["consumer"] == "c-1"
    assert app.store.coupon(coupon["coupon_id"])["consumer"] == "c-1"


def test_a_retry_with_the_same_key_gets_the_first_coupon(app):
    campaign = active_campaign(app, per_consumer_limit=2)
    first = claim(app, campaign, key="k-1")
    assert claim(app, campaign, key="k-1") == first
    assert app.store.remaining(campaign["campaign_id"])[0] == 2  # one unit taken, not two
    assert len(app.store.events_of("coupon_claimed")) == 1
    assert claim(app, campaign, key="k-2")["coupon_id"] != first["coupon_id"]


def test_the_same_key_with_another_body_is_refused(app):
    campaign = active_campaign(app, per_consumer_limit=2)
    claim(app, campaign, key="k-1")
    assert refusal(lambda: claim(app, campaign, key="k-1", body={"merchant_id": "m-1"})) \
        == "IDEMPOTENCY_KEY_REUSED"


def test_a_consumer_gets_no_more_than_the_limit(app):
    campaign = active_campaign(app, per_consumer_limit=1)
    claim(app, campaign)
    assert refusal(lambda: claim(app, campaign)) == "LIMIT_REACHED"
    assert app.store.remaining(campaign["campaign_id"])[0] == 2  # the refused claim took none
    assert claim(app, campaign, consumer="c-2")["code"]


def test_the_claim_after_the_last_unit_is_sold_out_and_ends_the_campaign(app):
    campaign = active_campaign(app, total_quantity=2)
    claim(app, campaign, consumer="c-1")
    claim(app, campaign, consumer="c-2")
    assert refusal(lambda: claim(app, campaign, consumer="c-3")) == "SOLD_OUT"
    ended = app.store.campaign(campaign["campaign_id"])
    assert ended["status"] == "ended" and ended["history"][-1]["reason"] == "sold out"
    assert app.store.holdings[f"{campaign['campaign_id']}:c-3"] == 0  # given back
    # and from now on with nothing stored: the sold-out campaign answers before any batch
    assert refusal(lambda: claim(app, campaign, consumer="c-4")) == "SOLD_OUT"
    assert f"{campaign['campaign_id']}:c-4" not in app.store.holdings


def test_a_retry_after_the_sell_out_still_gets_its_first_coupon(app):
    campaign = active_campaign(app, total_quantity=1)
    first = claim(app, campaign, consumer="c-1", key="k-1")
    assert refusal(lambda: claim(app, campaign, consumer="c-2")) == "SOLD_OUT"
    assert claim(app, campaign, consumer="c-1", key="k-1") == first


def test_a_paused_campaign_takes_no_claims(app):
    campaign = active_campaign(app)
    claim(app, campaign)  # read into the process's memory of campaigns
    app.campaigns.act(campaign["campaign_id"], "pause", "operator-1")
    assert refusal(lambda: claim(app, campaign, consumer="c-2")) == "CAMPAIGN_NOT_ACTIVE"
    assert app.store.remaining(campaign["campaign_id"])[0] == 2


def test_a_claim_for_a_merchant_outside_the_campaign_is_not_eligible(app):
    campaign = active_campaign(app, eligibility={"regions": ["320100"]})
    assert refusal(lambda: claim(app, campaign, body={"merchant_id": "m-1"})) == "NOT_ELIGIBLE"
    assert app.store.remaining(campaign["campaign_id"])[0] == 3


# --- redemptions -------------------------------------------------------------------------------

def test_a_coupon_is_redeemed_once(app):
    coupon = claim(app, active_campaign(app))
    body = {"code": coupon["code"], "order_amount_fen": 8000}
    redemption = app.redemptions.redeem("m-1", body)
    assert redemption["discount_fen"] == 1000 and redemption["merchant_id"] == "m-1"
    assert app.store.coupon(coupon["coupon_id"])["status"] == "redeemed"
    assert refusal(lambda: app.redemptions.redeem("m-1", body)) == "ALREADY_REDEEMED"
    [event] = app.store.events_of("coupon_redeemed")
    assert event["redemption_id"] == redemption["redemption_id"]


def test_a_redemption_retried_with_its_key_gets_the_first_answer(app):
    coupon = claim(app, active_campaign(app))
    body = {"code": coupon["code"], "order_amount_fen": 8000}
    first = app.redemptions.redeem("m-1", body, "till-1")
    assert app.redemptions.redeem("m-1", body, "till-1") == first


def test_below_the_minimum_spend_nothing_is_redeemed(app):
    coupon = claim(app, active_campaign(app))
    assert refusal(lambda: app.redemptions.redeem(
        "m-1", {"code": coupon["code"], "order_amount_fen": 4999})) == "MIN_SPEND_NOT_MET"
    assert app.store.coupon(coupon["coupon_id"])["status"] == "active"


def test_a_rollback_within_the_window_restores_the_coupon(app):
    coupon = claim(app, active_campaign(app))
    body = {"code": coupon["code"], "order_amount_fen": 8000}
    redemption = app.redemptions.redeem("m-1", body)
    app.clock.advance(minutes=59)
    rolled = app.redemptions.roll_back("m-1", redemption["redemption_id"], {"reason": "refund"})
    assert rolled["status"] == "rolled_back"
    assert app.store.coupon(coupon["coupon_id"])["status"] == "active"
    assert app.store.events_of("coupon_redemption_rolled_back")[0]["reason"] == "refund"
    assert app.redemptions.redeem("m-1", body)["discount_fen"] == 1000  # usable again


def test_no_rollback_after_the_window(app):
    coupon = claim(app, active_campaign(app))
    redemption = app.redemptions.redeem("m-1", {"code": coupon["code"],
                                                "order_amount_fen": 8000})
    app.clock.advance(minutes=61)
    assert refusal(lambda: app.redemptions.roll_back(
        "m-1", redemption["redemption_id"], {"reason": "refund"})) == "WRONG_STATE"
    assert app.store.coupon(coupon["coupon_id"])["status"] == "redeemed"


def redeem_new_coupon(app, campaign, order_amount_fen=8000):
    coupon = claim(app, campaign, consumer=f"c-{len(app.store.coupons)}")
    return coupon, lambda: app.redemptions.redeem(
        "m-1", {"code": coupon["code"], "order_amount_fen": order_amount_fen})


def test_the_budget_pays_no_discount_past_it_and_a_rollback_gives_its_share_back(app):
    campaign = active_campaign(app, budget_fen=2500)
    first, second, third = (redeem_new_coupon(app, campaign) for _ in range(3))
    done = first[1]()
    second[1]()
    assert refusal(third[1]) == "BUDGET_EXHAUSTED"
    assert app.store.coupon(third[0]["coupon_id"])["status"] == "active"
    assert app.store.budget_spent(campaign["campaign_id"]) == 2000
    app.redemptions.roll_back("m-1", done["redemption_id"], {"reason": "refund"})
    assert third[1]()["discount_fen"] == 1000
    assert app.store.budget_spent(campaign["campaign_id"]) == 2000


def test_a_budget_in_tranches_pays_what_the_tranches_started_so_far_hold(app):
    campaign = active_campaign(app, total_quantity=3, budget_fen=2500, tranches=[
        {"starts_at": "2026-10-01T08:00:00Z", "quantity": 2, "budget_fen": 1500},
        {"starts_at": "2026-10-02T08:00:00Z", "quantity": 1, "budget_fen": 1000}])
    first, second = (redeem_new_coupon(app, campaign) for _ in range(2))
    first[1]()
    assert refusal(second[1]) == "BUDGET_EXHAUSTED"
    app.clock.advance(days=1)
    assert second[1]()["discount_fen"] == 1000, "the first tranche's 500 fen left stays"
    assert app.store.budget_spent(campaign["campaign_id"]) == 2000


def test_a_merchant_takes_no_more_than_its_daily_cap_and_a_new_day_starts_afresh(app):
    campaign = active_campaign(app, merchant_daily_cap_fen=1500)
    first, second = (redeem_new_coupon(app, campaign) for _ in range(2))
    first[1]()
    assert refusal(second[1]) == "MERCHANT_CAP_REACHED"
    app.clock.advance(hours=16)  # 01:00 the next day in China Standard Time
    assert second[1]()["discount_fen"] == 1000


def test_a_redemption_that_loses_its_race_gives_the_budget_back(app):
    campaign = active_campaign(app, budget_fen=1000)
    _, redeem = redeem_new_coupon(app, campaign)
    app.store.mark_coupon = lambda *args, **kwargs: None  # another till's write came first
    assert refusal(redeem) == "ALREADY_REDEEMED"
    assert app.store.budget_spent(campaign["campaign_id"]) == 0


def test_a_tranche_is_released_at_its_time_and_what_the_first_left_stays_for_it(app):
    campaign = active_campaign(app, total_quantity=3, per_consumer_limit=3, tranches=[
        {"starts_at": "2026-10-01T08:00:00Z", "quantity": 2},
        {"starts_at": "2026-10-02T08:00:00Z", "quantity": 1}])
    assert app.store.remaining(campaign["campaign_id"])[0] == 2
    claim(app, campaign, consumer="c-1")
    claim(app, campaign, consumer="c-2")
    assert refusal(lambda: claim(app, campaign, consumer="c-3")) == "SOLD_OUT"
    assert app.campaigns.get(campaign["campaign_id"])["status"] == "active", \
        "a campaign with a tranche ahead is not over when its stock runs out"
    app.timers.keep_time()
    assert app.store.remaining(campaign["campaign_id"])[0] == 0  # not yet its time
    app.clock.advance(days=1)
    app.timers.keep_time()
    app.timers.keep_time()  # a second pass releases nothing twice
    assert app.store.remaining(campaign["campaign_id"])[0] == 1
    assert claim(app, campaign, consumer="c-3")["status"] == "active"
    app.timers.keep_time()
    assert app.campaigns.get(campaign["campaign_id"])["status"] == "ended"


# --- a pass of the schedules -------------------------------------------------------------------

def test_a_pass_of_keep_time_ends_campaigns_and_expires_and_warns_coupons(app):
    campaign = active_campaign(app, valid_days=2, claim_ends_at="2026-10-02T00:00:00Z")
    soon = claim(app, campaign, consumer="c-1")
    app.clock.advance(days=1, hours=12)  # the window closed; the coupon expires within a day
    app.timers.keep_time()
    assert app.store.campaign(campaign["campaign_id"])["status"] == "ended"
    assert app.store.coupon(soon["coupon_id"])["expiring_notified_at"] == to_rfc3339(
        app.clock.now())
    [warning] = app.store.events_of("coupon_expiring")
    assert warning["coupon_id"] == soon["coupon_id"]
    app.clock.advance(days=1)
    app.timers.keep_time()
    assert app.store.coupon(soon["coupon_id"])["status"] == "expired"
    assert len(app.store.events_of("coupon_expiring")) == 1  # warned once


def stock_series():
    return {s.labels["campaign_id"]: s.value
            for m in metrics.STOCK_REMAINING.collect() for s in m.samples}


def test_a_pass_of_keep_time_shows_the_live_campaigns_stock_and_drops_any_other_series(app):
    live = active_campaign(app, total_quantity=3)
    metrics.show_stock("cp-stopped-meanwhile", 7)  # set as it stopped, by a pass before
    claim(app, live, consumer="c-1")
    app.timers.keep_time()
    shown = stock_series()
    assert shown[live["campaign_id"]] == 2 and "cp-stopped-meanwhile" not in shown


def test_a_reconcile_pass_covers_live_and_recently_closed_campaigns(app):
    live = active_campaign(app)
    closed = active_campaign(app)
    app.campaigns.act(closed["campaign_id"], "cancel", "operator-1")
    app.timers.reconcile_stock()
    [(campaign_ids, now)] = app.reconciler.passes
    assert campaign_ids == [live["campaign_id"], closed["campaign_id"]]
    assert now == to_rfc3339(START)


def test_claims_arriving_together_share_their_round_trips(app, monkeypatch):
    import eventlet
    campaign = active_campaign(app, total_quantity=10)
    calls = []
    for method in ("take_holdings", "take_stock", "insert_coupons"):
        real = getattr(app.store, method)
        monkeypatch.setattr(app.store, method, lambda *a, _real=real, _name=method, **k: (
            calls.append(_name), _real(*a, **k))[1])
    claims = [eventlet.spawn(claim, app, campaign, f"c-{n}", f"k-{n}") for n in range(5)]
    coupons = [c.wait() for c in claims]
    assert len({c["coupon_id"] for c in coupons}) == 5
    assert calls == ["take_holdings", "take_stock", "insert_coupons"]  # once for all five
