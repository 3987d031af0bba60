"""A claim that dies between taking a unit of stock and recording its coupon (a kill -9 at the
wrong instant) loses no stock: the coupons service's reconciler returns the unit, once, and a
claim that was only slow can no longer record it. The dead claim is played by the coupons
store's own ``take_stock`` against the real store, with nothing recorded after it, while the
real coupons process runs its reconciler (grace period shortened to 4 s)."""
from pymongo import MongoClient

from devtools.waiting import poll
from services.coupons import units
from services.coupons.store import COUPONS, CouponsStore
from tests.e2e.coupon_steps import (
    active_campaign,
    claim,
    claimed,
    error_code,
    new_consumer,
    operator_token,
    stats,
)


def coupons_store(stack):
    database = MongoClient(stack.env["MONGO_URI"])[
        stack.env["MONGO_DB_PREFIX"] + "coupons"]
    return CouponsStore(database)


def test_a_unit_taken_by_a_claim_that_died_comes_back_once(fault_stack, fault_client):
    client = fault_client
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=5,
                                  per_consumer_limit=1)["campaign_id"]
    _, consumer = new_consumer(client)
    coupon = claimed(client, consumer, campaign_id)
    store = coupons_store(fault_stack)

    [lost] = store.take_stock(campaign_id, 1)  # ... and the process dies here
    assert stats(client, operator, campaign_id)["remaining"] == 3

    figures = poll(lambda: stats(client, operator, campaign_id),
                   lambda f: f["remaining"] == 4, seconds=30, interval=0.3)
    assert (figures["issued"], figures["remaining"]) == (1, 4), figures
    voids = list(store.db[COUPONS].find({"campaign_id": campaign_id, "status": units.VOID}))
    assert [v["_id"] for v in voids] == [units.unit_id(*lost)]
    assert poll(lambda: store.db[COUPONS].find_one({"_id": voids[0]["_id"]}),
                lambda v: v["return"] == "done")["return"] == "done"

    # returned once, however many passes run; the claimed coupon is untouched
    assert poll(lambda: stats(client, operator, campaign_id), lambda f: f["remaining"] != 4,
                seconds=3)["remaining"] == 4
    # a claim slower than the grace period cannot record its unit any more
    assert store.insert_coupons([({"_id": units.unit_id(*lost), "code": "late",
                                   "campaign_id": campaign_id, "status": "active"}, [], None)]
                                ) == [False]
    assert store.coupon_by_code(coupon["code"])["_id"] == coupon["coupon_id"]
    assert store.coupon_by_code(voids[0]["code"]) is None  # a void is never a coupon


def test_a_claim_whose_unit_was_voided_meanwhile_answers_503_and_gives_its_limit_back(
        fault_stack, fault_client):
    """What a claim slower than the grace period meets: the unit it takes next has been voided
    (the void is written here ahead of the claim, marked returned so the reconciler leaves
    this counter's stock alone)."""
    client = fault_client
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=5,
                                  per_consumer_limit=1)["campaign_id"]
    store = coupons_store(fault_stack)
    counter_id = f"{campaign_id}:0"
    store.insert_void(units.placeholder(units.VOID, (counter_id, 1), campaign_id, units.DRAW,
                                        "2026-01-01T00:00:00Z", **{"return": "done"}))
    _, consumer = new_consumer(client)
    too_late = claim(client, consumer, campaign_id)
    assert (too_late.status_code, error_code(too_late)) == (503, "UNAVAILABLE"), too_late.text
    again = claimed(client, consumer, campaign_id)  # the limit was given back
    assert again["coupon_id"] == units.unit_id(counter_id, 2)
    assert stats(client, operator, campaign_id)["issued"] == 1
