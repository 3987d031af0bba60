"""Coupon campaigns through the gateway: validation, the status machine, claims and every claim
error, idempotency, the lucky draw, redemption per kind and its errors, eligibility that follows
the registry's events, rollback, expiry, and the operator's figures and settlement CSV."""
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from devtools.waiting import poll
from tests.e2e.conftest import EventTap
from tests.e2e.coupon_steps import (
    OMIT,
    SETTLEMENT_HEADER,
    SOLD_OUT,
    active_campaign,
    campaign,
    campaign_body,
    claim,
    claimed,
    coupon_for_new_consumer,
    coupon_status,
    create_campaign,
    error_code,
    expected_discount,
    from_now,
    my_coupons,
    new_consumer,
    operator_token,
    pages,
    parse_time,
    redeem,
    redeemed,
    rollback,
    settlement,
    stats,
    transition,
    unique,
)
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import act, certify


@pytest.fixture(scope="module")
def operator(client):
    return operator_token(client)


@pytest.fixture(scope="module")
def shops(client, merchants):
    """Two certified merchants in two districts of Hangzhou: (merchant_id, token, application)
    in 330106 and in 330108. Tests that change a merchant's standing certify their own."""
    return [certify(client, merchants, region="330106"),
            certify(client, merchants, region="330108")]


@pytest.fixture(scope="module")
def coupon_events(stack, system_env):
    tap = EventTap(system_env["AMQP_URI"], "coupons")
    yield tap
    tap.close()


# --- campaigns ---------------------------------------------------------------------------------

def _window_reversed(body):
    body["claim_ends_at"], body["claim_starts_at"] = body["claim_starts_at"], body["claim_ends_at"]


def _window_empty(body):
    body["claim_ends_at"] = body["claim_starts_at"]


BAD_CAMPAIGNS = [
    ("window-empty", "voucher", {}, _window_empty, "claim_ends_at"),
    ("window-reversed", "voucher", {}, _window_reversed, "claim_ends_at"),
    ("quantity-zero", "voucher", {"total_quantity": 0}, None, "total_quantity"),
    ("quantity-negative", "voucher", {"total_quantity": -5}, None, "total_quantity"),
    ("percent-zero", "discount", {"percent_off": 0}, None, "percent_off"),
    ("percent-100", "discount", {"percent_off": 100}, None, "percent_off"),
    ("percent-150", "discount", {"percent_off": 150}, None, "percent_off"),
    ("discount-without-cap", "discount", {"cap_fen": OMIT}, None, "cap_fen"),
    ("limit-zero", "voucher", {"per_consumer_limit": 0}, None, "per_consumer_limit"),
    ("voucher-without-face-value", "voucher", {"face_value_fen": OMIT}, None, "face_value_fen"),
    ("probabilities-above-1", "lucky_draw", {"prize_tiers": [
        {"name": "一等奖", "face_value_fen": 5000, "quantity": 1, "probability": 0.6},
        {"name": "二等奖", "face_value_fen": 1000, "quantity": 5, "probability": 0.5}]},
     None, "prize_tiers"),
]


@pytest.mark.parametrize("kind, overrides, change, field",
                         [case[1:] for case in BAD_CAMPAIGNS],
                         ids=[case[0] for case in BAD_CAMPAIGNS])
def test_a_campaign_with_bad_fields_is_422_with_field_details(client, operator, kind, overrides,
                                                             change, field):
    body = campaign_body(kind, **overrides)
    if change:
        change(body)
    response = client.post("/api/v1/campaigns", operator, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"], error


def test_only_operators_run_campaigns(client, operator):
    _, consumer = new_consumer(client)
    assert client.post("/api/v1/campaigns", consumer, json=campaign_body()).status_code == 403
    draft = create_campaign(client, operator)
    assert transition(client, consumer, draft["campaign_id"], "activate").status_code == 403
    assert client.get(f"/api/v1/campaigns/{draft['campaign_id']}/stats",
                      consumer).status_code == 403


def test_the_status_machine_and_its_wrong_transitions(client, operator):
    draft = create_campaign(client, operator, total_quantity=10, per_consumer_limit=5)
    campaign_id = draft["campaign_id"]
    assert campaign(client, operator, campaign_id)["remaining"] == 10
    _, consumer = new_consumer(client)

    def step(name, status=200):
        response = transition(client, operator, campaign_id, name)
        assert response.status_code == status, (name, response.text)
        if status == 409:
            assert error_code(response) == "WRONG_STATE"
            return None
        return response.json()["status"]

    def claim_code():
        response = claim(client, consumer, campaign_id)
        return response.status_code if response.status_code == 201 else (
            response.status_code, error_code(response))

    assert claim_code() == (409, "CAMPAIGN_NOT_ACTIVE")  # a draft
    step("pause", 409)
    step("resume", 409)
    assert step("activate") == "active"
    step("activate", 409)
    step("resume", 409)
    assert claim_code() == 201
    assert step("pause") == "paused"
    step("pause", 409)
    step("activate", 409)
    assert claim_code() == (409, "CAMPAIGN_NOT_ACTIVE")
    assert step("resume") == "active"
    assert claim_code() == 201
    assert step("cancel") == "cancelled"
    assert claim_code() == (409, "CAMPAIGN_NOT_ACTIVE")
    for name in ("activate", "pause", "resume", "cancel"):
        step(name, 409)
    after = campaign(client, operator, campaign_id)
    assert (after["status"], after["remaining"]) == ("cancelled", 8)


def test_a_draft_and_a_paused_campaign_can_be_cancelled(client, operator):
    draft = create_campaign(client, operator)
    assert transition(client, operator, draft["campaign_id"], "cancel").json()["status"] == \
        "cancelled"
    paused = active_campaign(client, operator)
    assert transition(client, operator, paused["campaign_id"], "pause").json()["status"] == \
        "paused"
    assert transition(client, operator, paused["campaign_id"], "cancel").json()["status"] == \
        "cancelled"


def test_a_scheduled_campaign_becomes_active_by_itself(client, operator):
    starts = from_now(3)
    draft = create_campaign(client, operator, claim_starts_at=starts)
    campaign_id = draft["campaign_id"]
    scheduled = transition(client, operator, campaign_id, "activate")
    assert scheduled.status_code == 200, scheduled.text
    assert scheduled.json()["status"] == "scheduled"
    assert transition(client, operator, campaign_id, "pause").status_code == 409
    _, consumer = new_consumer(client)
    early = claim(client, consumer, campaign_id)
    assert (early.status_code, error_code(early)) == (409, "CAMPAIGN_NOT_ACTIVE")

    now_active = poll(lambda: campaign(client, operator, campaign_id),
                      lambda c: c["status"] == "active", seconds=15, interval=0.2)
    assert now_active["status"] == "active"
    assert datetime.now(UTC) >= parse_time(starts) - timedelta(seconds=1)
    assert claimed(client, consumer, campaign_id)["campaign_id"] == campaign_id

    other = create_campaign(client, operator, claim_starts_at=from_now(600))
    assert transition(client, operator, other["campaign_id"], "activate").json()["status"] == \
        "scheduled"
    assert transition(client, operator, other["campaign_id"], "cancel").json()["status"] == \
        "cancelled"


def test_a_campaign_ends_by_itself_at_claim_ends_at(client, operator):
    ends = from_now(3)
    live = active_campaign(client, operator, claim_ends_at=ends, valid_days=7)
    campaign_id = live["campaign_id"]
    _, consumer = new_consumer(client)
    claimed(client, consumer, campaign_id)

    ended = poll(lambda: campaign(client, operator, campaign_id),
                 lambda c: c["status"] == "ended", seconds=15, interval=0.2)
    assert ended["status"] == "ended"
    _, late = new_consumer(client)
    refused = claim(client, late, campaign_id)
    assert (refused.status_code, error_code(refused)) == (409, "CAMPAIGN_NOT_ACTIVE")
    for name in ("pause", "resume", "activate", "cancel"):
        assert transition(client, operator, campaign_id, name).status_code == 409


def test_public_campaigns_lists_active_ones_by_region_and_merchant(client, operator, shops):
    xihu = active_campaign(client, operator, eligibility={"regions": ["330106"]})["campaign_id"]
    binjiang = active_campaign(client, operator,
                               eligibility={"regions": ["330108"]})["campaign_id"]
    draft = create_campaign(client, operator, eligibility={"regions": ["330106"]})["campaign_id"]

    def listed(**params):
        return {c["campaign_id"] for c in pages(client, "/api/v1/public/campaigns", **params)}

    everything = listed()
    assert {xihu, binjiang} <= everything and draft not in everything
    in_xihu = listed(region="330106")
    assert xihu in in_xihu and binjiang not in in_xihu and draft not in in_xihu
    at_shop = listed(merchant_id=shops[0][0])  # a certified merchant of 330106
    assert xihu in at_shop and binjiang not in at_shop

    transition(client, operator, xihu, "pause")
    assert xihu not in listed(region="330106")


# --- claims ------------------------------------------------------------------------------------

def test_a_claim_gives_a_coupon_the_consumer_sees(client, operator, coupon_events):
    live = active_campaign(client, operator, total_quantity=50, valid_days=30, face_value_fen=1500)
    campaign_id = live["campaign_id"]
    _, consumer = new_consumer(client)
    coupon = claimed(client, consumer, campaign_id)
    assert coupon["campaign_id"] == campaign_id and coupon["coupon_id"]
    assert len(coupon["code"]) >= 8 and coupon["prize"] is None
    assert coupon["face_value_fen"] == 1500
    expires = parse_time(coupon["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=2)

    [mine] = my_coupons(client, consumer)
    assert (mine["coupon_id"], mine["code"], mine["status"]) == (
        coupon["coupon_id"], coupon["code"], "active")
    _, stranger = new_consumer(client)
    assert my_coupons(client, stranger) == []
    assert campaign(client, operator, campaign_id)["remaining"] == 49
    assert poll(lambda: coupon_events.events("coupon_claimed", coupon_id=coupon["coupon_id"]),
                bool)


def test_claims_made_together_each_carry_their_own_request_id_to_their_event(
        client, operator, coupon_events):
    """Claims arriving together are recorded in one batch by one of their workers; each
    coupon_claimed event still carries the request id of the claim that won it."""
    campaign_id = active_campaign(client, operator, total_quantity=50)["campaign_id"]
    consumers = [new_consumer(client)[1] for _ in range(16)]

    def claim_traced(n):
        response = client.post(f"/api/v1/campaigns/{campaign_id}/claims", consumers[n], json={},
                               headers={"X-Request-ID": f"together-{n}"})
        assert response.status_code == 201, response.text
        return response.json()["coupon_id"], f"together-{n}"

    with ThreadPoolExecutor(16) as pool:
        traced = dict(pool.map(claim_traced, range(16)))
    events = poll(lambda: coupon_events.events("coupon_claimed", campaign_id=campaign_id),
                  lambda seen: len(seen) == 16)
    assert {e["data"]["coupon_id"]: coupon_events.headers[e["event_id"]].get("nameko.request_id")
            for e in events} == traced


def test_limit_reached_then_sold_out_and_the_campaign_ends(client, operator):
    campaign_id = active_campaign(client, operator, total_quantity=2,
                                  per_consumer_limit=1)["campaign_id"]
    _, first = new_consumer(client)
    claimed(client, first, campaign_id)
    again = claim(client, first, campaign_id)
    assert (again.status_code, error_code(again)) == (409, "LIMIT_REACHED")
    _, second = new_consumer(client)
    last_key = unique("claim-key")
    last = claimed(client, second, campaign_id, key=last_key)
    _, third = new_consumer(client)
    refused = claim(client, third, campaign_id, key=unique("claim-key"))
    assert (refused.status_code, error_code(refused)) == SOLD_OUT
    after = poll(lambda: campaign(client, operator, campaign_id),
                 lambda c: c["status"] == "ended", seconds=5)
    assert (after["status"], after["remaining"]) == ("ended", 0)
    assert stats(client, operator, campaign_id)["issued"] == 2

    # once it has ended sold out, a retry of a won claim still gets its coupon back
    retried = claim(client, second, campaign_id, key=last_key)
    assert (retried.status_code, retried.json()) == (201, last)
    _, fourth = new_consumer(client)
    late_key = unique("claim-key")
    for _ in range(2):
        late = claim(client, fourth, campaign_id, key=late_key)
        assert (late.status_code, error_code(late)) == SOLD_OUT
    assert stats(client, operator, campaign_id)["issued"] == 2


def test_a_claim_at_a_merchant_that_is_not_eligible_is_refused(client, merchants, operator,
                                                                shops):
    xihu_shop, binjiang_shop = shops[0][0], shops[1][0]
    campaign_id = active_campaign(client, operator, per_consumer_limit=1,
                                  eligibility={"regions": ["330106"]})["campaign_id"]
    by_industry = active_campaign(client, operator,
                                  eligibility={"industries": ["supermarket"]})["campaign_id"]
    by_list = active_campaign(client, operator,
                              eligibility={"merchant_ids": [binjiang_shop]})["campaign_id"]
    applied_only, token, body = merchants.new(region="330106")  # applied, never certified
    assert client.post("/api/v1/merchants", token, json=body).status_code == 201
    _, consumer = new_consumer(client)

    for target, merchant_id in [(campaign_id, binjiang_shop),   # outside the regions
                                (campaign_id, applied_only),    # not certified
                                (by_industry, xihu_shop),       # catering, not a supermarket
                                (by_list, xihu_shop)]:          # not on the list
        refused = claim(client, consumer, target, merchant_id=merchant_id)
        assert (refused.status_code, error_code(refused)) == (403, "NOT_ELIGIBLE"), merchant_id
    # refusals do not count against the limit of one
    assert claimed(client, consumer, campaign_id, merchant_id=xihu_shop)
    assert claimed(client, consumer, by_list, merchant_id=binjiang_shop)


def test_a_claim_retried_with_its_key_gets_the_same_answer(client, operator, shops):
    live = active_campaign(client, operator, total_quantity=10, per_consumer_limit=2)
    campaign_id = live["campaign_id"]
    _, consumer = new_consumer(client)
    key = unique("claim-key")
    first = claim(client, consumer, campaign_id, key=key)
    assert first.status_code == 201, first.text
    retry = claim(client, consumer, campaign_id, key=key)
    assert (retry.status_code, retry.json()) == (201, first.json())
    reused = claim(client, consumer, campaign_id, key=key, merchant_id=shops[0][0])
    assert (reused.status_code, error_code(reused)) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert [c["coupon_id"] for c in my_coupons(client, consumer)] == [first.json()["coupon_id"]]
    assert stats(client, operator, campaign_id)["issued"] == 1

    # an error is answered again too, even once the campaign would accept the claim
    transition(client, operator, campaign_id, "pause")
    paused_key = unique("claim-key")
    refused = claim(client, consumer, campaign_id, key=paused_key)
    assert (refused.status_code, error_code(refused)) == (409, "CAMPAIGN_NOT_ACTIVE")
    transition(client, operator, campaign_id, "resume")
    replayed = claim(client, consumer, campaign_id, key=paused_key)
    assert (replayed.status_code, replayed.json()) == (409, refused.json())
    fresh = claimed(client, consumer, campaign_id, key=unique("claim-key"))
    assert fresh["coupon_id"] != first.json()["coupon_id"]

    too_long = claim(client, consumer, campaign_id, key="k" * 256)
    assert too_long.status_code in (400, 422), too_long.text
    assert len(my_coupons(client, consumer)) == 2


def test_a_lucky_draw_hands_out_its_prizes_then_nothing(client, operator, shops):
    tiers = [{"name": "一等奖", "face_value_fen": 888, "min_spend_fen": 0, "quantity": 2,
              "probability": 1.0}]
    campaign_id = active_campaign(client, operator, "lucky_draw", prize_tiers=tiers,
                                  total_quantity=5, per_consumer_limit=1)["campaign_id"]
    draws = []

    def draw():
        _, consumer = new_consumer(client)
        draws.append((consumer, claimed(client, consumer, campaign_id)))

    for _ in range(3):
        draw()
    # a draw that won nothing counts against the limit (checked while stock is left)
    again = claim(client, draws[2][0], campaign_id)
    assert (again.status_code, error_code(again)) == (409, "LIMIT_REACHED")
    for _ in range(2):
        draw()
    winners = [(consumer, result) for consumer, result in draws if result["prize"] is not None]
    assert [result["prize"] for _, result in winners] == ["一等奖", "一等奖"]
    assert [result["prize"] for _, result in draws[2:]] == [None, None, None]
    for _, result in winners:
        assert result["coupon_id"] and result["code"] and result["face_value_fen"] == 888
    for _, result in draws[2:]:
        assert (result["coupon_id"], result["code"]) == (None, None)

    _, sixth = new_consumer(client)
    refused = claim(client, sixth, campaign_id)  # five draws were all there were
    assert (refused.status_code, error_code(refused)) == SOLD_OUT
    assert poll(lambda: campaign(client, operator, campaign_id),
                lambda c: c["status"] == "ended", seconds=5)["status"] == "ended"
    assert not [c for c in my_coupons(client, draws[3][0]) if c.get("code")]  # nothing to use

    prize = redeemed(client, shops[0][1], winners[0][1]["code"], 5000)
    assert prize["discount_fen"] == 888


# --- redemption --------------------------------------------------------------------------------

REDEMPTIONS = [
    ("voucher", {"face_value_fen": 1000, "min_spend_fen": 0}, 8000, 1000),
    ("voucher-above-the-order", {"face_value_fen": 1000, "min_spend_fen": 0}, 600, 600),
    ("voucher-min-spend-met", {"face_value_fen": 1000, "min_spend_fen": 5000}, 5000, 1000),
    ("discount-floored", {"percent_off": 15, "cap_fen": 2000}, 9999, 1499),
    ("discount-capped", {"percent_off": 15, "cap_fen": 2000}, 20000, 2000),
    ("group_buy", {"face_value_fen": 6000}, 10000, 4000),
]


def overrides_of(overrides):
    """The campaign fields the discount rule reads."""
    return {k: v for k, v in overrides.items() if k in ("face_value_fen", "percent_off",
                                                        "cap_fen")}


@pytest.mark.parametrize("case, overrides, order_fen, discount_fen", REDEMPTIONS,
                         ids=[case[0] for case in REDEMPTIONS])
def test_the_discount_of_each_kind(client, operator, shops, case, overrides, order_fen,
                                   discount_fen):
    kind = case.split("-")[0]
    campaign_id = active_campaign(client, operator, kind, **overrides)["campaign_id"]
    consumer, coupon = coupon_for_new_consumer(client, campaign_id)
    merchant_id, merchant, _ = shops[0]
    result = redeemed(client, merchant, coupon["code"], order_fen)
    assert result["discount_fen"] == discount_fen == expected_discount(kind, order_fen,
                                                                       **overrides_of(overrides))
    assert result["redemption_id"]
    assert (result["coupon_id"], result["order_amount_fen"], result["merchant_id"]) == (
        coupon["coupon_id"], order_fen, merchant_id)
    assert coupon_status(client, consumer, coupon["coupon_id"]) == "redeemed"


def test_min_spend_not_met_leaves_the_coupon_usable(client, operator, shops):
    campaign_id = active_campaign(client, operator, face_value_fen=1000,
                                  min_spend_fen=5000)["campaign_id"]
    consumer, coupon = coupon_for_new_consumer(client, campaign_id)
    merchant = shops[0][1]
    short = redeem(client, merchant, coupon["code"], 4999)
    assert (short.status_code, error_code(short)) == (422, "MIN_SPEND_NOT_MET")
    assert coupon_status(client, consumer, coupon["coupon_id"]) == "active"
    assert redeemed(client, merchant, coupon["code"], 5000)["discount_fen"] == 1000


def test_unknown_codes_second_redemptions_and_retries(client, operator, shops):
    merchant = shops[0][1]
    unknown = redeem(client, merchant, unique("NO-SUCH-CODE"), 5000)
    assert (unknown.status_code, error_code(unknown)) == (404, "COUPON_NOT_FOUND")

    campaign_id = active_campaign(client, operator)["campaign_id"]
    _, coupon = coupon_for_new_consumer(client, campaign_id)
    key = unique("till-key")
    first = redeem(client, merchant, coupon["code"], 5000, key=key)
    assert first.status_code == 201, first.text
    retry = redeem(client, merchant, coupon["code"], 5000, key=key)
    assert (retry.status_code, retry.json()) == (201, first.json())
    reused = redeem(client, merchant, coupon["code"], 6000, key=key)
    assert (reused.status_code, error_code(reused)) == (409, "IDEMPOTENCY_KEY_REUSED")
    twice = redeem(client, merchant, coupon["code"], 5000)
    assert (twice.status_code, error_code(twice)) == (409, "ALREADY_REDEEMED")
    other = redeem(client, shops[1][1], coupon["code"], 5000)
    assert (other.status_code, error_code(other)) == (409, "ALREADY_REDEEMED")
    assert stats(client, operator, campaign_id)["redeemed"] == 1


def test_a_merchant_outside_the_eligibility_is_refused(client, operator, shops):
    (xihu_shop, xihu, _), (_, binjiang, _) = shops
    for eligibility in ({"regions": ["330106"]}, {"industries": ["supermarket"]},
                        {"merchant_ids": [xihu_shop]}):
        campaign_id = active_campaign(client, operator, eligibility=eligibility)["campaign_id"]
        consumer, coupon = coupon_for_new_consumer(client, campaign_id)
        refused = redeem(client, binjiang, coupon["code"], 5000)
        assert (refused.status_code, error_code(refused)) == (403, "MERCHANT_NOT_ELIGIBLE"), \
            eligibility
        assert coupon_status(client, consumer, coupon["coupon_id"]) == "active"
        if "industries" not in eligibility:
            assert redeemed(client, xihu, coupon["code"], 5000)["discount_fen"] == 1000


def test_a_merchant_suspended_in_the_registry_is_refused_right_after(client, merchants,
                                                                      operator, registry_events):
    merchant_id, merchant, _ = certify(client, merchants, region="330110")
    county = client.token(role="regulator", sub="county-330110", region="330110", level="county")
    campaign_id = active_campaign(client, operator, total_quantity=1000,
                                  eligibility={"regions": ["330110"]})["campaign_id"]

    def attempt():
        """A redemption of a fresh coupon, so one that succeeds spends nothing we need."""
        _, coupon = coupon_for_new_consumer(client, campaign_id)
        return redeem(client, merchant, coupon["code"], 5000)

    def claim_here():
        _, consumer = new_consumer(client)
        return claim(client, consumer, campaign_id, merchant_id=merchant_id)

    def refused(response):
        return response.status_code == 403

    assert attempt().status_code == 201
    for action, code, status in [("suspend", "MERCHANT_NOT_ELIGIBLE", "suspended"),
                                 ("restore", None, "certified"),
                                 ("warn", "MERCHANT_NOT_ELIGIBLE", "warned"),
                                 ("clear_warning", None, "certified")]:
        acted = act(client, county, merchant_id, action)
        assert acted.status_code == 200 and acted.json()["status"] == status, acted.text
        assert poll(lambda status=status: registry_events.events(
            "merchant_status_changed", merchant_id=merchant_id, to=status), bool)
        if code:
            answer = poll(attempt, refused, seconds=10, interval=0.2)
            assert (answer.status_code, error_code(answer)) == (403, code), action
            assert refused(attempt())  # and it stays refused
            at_claim = poll(claim_here, refused, seconds=5, interval=0.2)
            assert (at_claim.status_code, error_code(at_claim)) == (403, "NOT_ELIGIBLE")
        else:
            answer = poll(attempt, lambda r: r.status_code == 201, seconds=10, interval=0.2)
            assert answer.status_code == 201, (action, answer.text)
            assert claim_here().status_code == 201


def test_a_rollback_restores_the_coupon_once_and_only_for_its_merchant(client, operator, shops):
    (_, xihu, _), (binjiang_shop, binjiang, _) = shops
    campaign_id = active_campaign(client, operator, face_value_fen=800)["campaign_id"]
    consumer, coupon = coupon_for_new_consumer(client, campaign_id)
    first = redeemed(client, xihu, coupon["code"], 3000)
    assert coupon_status(client, consumer, coupon["coupon_id"]) == "redeemed"

    assert rollback(client, binjiang, first["redemption_id"]).status_code == 403
    undone = rollback(client, xihu, first["redemption_id"])
    assert undone.status_code == 200, undone.text
    assert (undone.json()["redemption_id"], undone.json()["status"]) == (
        first["redemption_id"], "rolled_back")
    assert coupon_status(client, consumer, coupon["coupon_id"]) == "active"
    twice = rollback(client, xihu, first["redemption_id"])
    assert (twice.status_code, error_code(twice)) == (409, "WRONG_STATE")

    second = redeemed(client, binjiang, coupon["code"], 4000)
    assert second["redemption_id"] != first["redemption_id"]
    assert (second["merchant_id"], second["discount_fen"]) == (binjiang_shop, 800)
    assert coupon_status(client, consumer, coupon["coupon_id"]) == "redeemed"
    figures = stats(client, operator, campaign_id)
    assert (figures["redeemed"], figures["order_fen"], figures["discount_fen"]) == (1, 4000, 800)


def test_an_unused_coupon_expires_after_a_coupon_expiring_event(client, operator, shops,
                                                                  coupon_events):
    valid_until = from_now(8)
    campaign_id = active_campaign(client, operator, valid_until=valid_until)["campaign_id"]
    consumer, coupon = coupon_for_new_consumer(client, campaign_id)
    expires = parse_time(coupon["expires_at"])
    assert expires == parse_time(valid_until)

    [warning] = poll(lambda: coupon_events.events("coupon_expiring",
                                                  coupon_id=coupon["coupon_id"]), bool,
                     seconds=12)
    assert parse_time(warning["occurred_at"]) < expires

    expired = poll(lambda: coupon_status(client, consumer, coupon["coupon_id"]),
                   lambda status: status == "expired", seconds=20, interval=0.2)
    assert expired == "expired"
    assert datetime.now(UTC) >= expires - timedelta(seconds=1)
    late = redeem(client, shops[0][1], coupon["code"], 5000)
    assert (late.status_code, error_code(late)) == (409, "COUPON_EXPIRED")


# --- figures -----------------------------------------------------------------------------------

def test_stats_and_the_settlement_csv_add_up(client, operator, shops):
    (xihu_shop, xihu, xihu_body), (binjiang_shop, binjiang, binjiang_body) = shops
    rules = {"percent_off": 10, "cap_fen": 3000}
    campaign_id = active_campaign(client, operator, "discount", total_quantity=20,
                                  per_consumer_limit=10, **rules)["campaign_id"]
    consumer = new_consumer(client)[1]
    coupons = [claimed(client, consumer, campaign_id) for _ in range(6)]
    before = stats(client, operator, campaign_id)
    assert (before["issued"], before["redeemed"], before["remaining"]) == (6, 0, 14)
    assert (before["discount_fen"], before["order_fen"], before["leverage"]) == (0, 0, None)
    assert before["per_merchant"] == []

    tills = {xihu_shop: xihu, binjiang_shop: binjiang}
    plan = [(xihu_shop, 12000), (xihu_shop, 50000), (xihu_shop, 9999), (binjiang_shop, 20000),
            (binjiang_shop, 1234)]
    results = [redeemed(client, tills[merchant_id], coupon["code"], order)
               for (merchant_id, order), coupon in zip(plan, coupons)]
    for (merchant_id, order), result in zip(plan, results):
        assert result["merchant_id"] == merchant_id
        assert result["discount_fen"] == expected_discount("discount", order, **rules)
    refunded = results[2]
    assert rollback(client, xihu, refunded["redemption_id"]).status_code == 200
    counted = [r for r in results if r is not refunded]

    expected = {}
    for result in counted:
        row = expected.setdefault(result["merchant_id"],
                                  {"redemptions": 0, "order_fen": 0, "discount_fen": 0})
        row["redemptions"] += 1
        row["order_fen"] += result["order_amount_fen"]
        row["discount_fen"] += result["discount_fen"]
    order_total = sum(r["order_amount_fen"] for r in counted)
    discount_total = sum(r["discount_fen"] for r in counted)
    assert (order_total, discount_total) == (83234, 6323)  # worked out by hand as well

    figures = stats(client, operator, campaign_id)
    assert figures["campaign_id"] == campaign_id
    assert (figures["issued"], figures["redeemed"], figures["remaining"]) == (6, 4, 14)
    assert (figures["order_fen"], figures["discount_fen"]) == (order_total, discount_total)
    assert figures["leverage"] == pytest.approx(round(order_total / discount_total, 2), abs=1e-9)
    assert {m["merchant_id"]: {k: m[k] for k in ("redemptions", "order_fen", "discount_fen")}
            for m in figures["per_merchant"]} == expected
    assert len(figures["per_merchant"]) == 2

    header, rows, total = settlement(client, operator, campaign_id)
    assert header == SETTLEMENT_HEADER
    names = {xihu_shop: xihu_body["name"], binjiang_shop: binjiang_body["name"]}
    assert len(rows) == len({row[0] for row in rows}) == 2
    for merchant_id, name, redemptions, order_fen, discount_fen, held in rows:
        assert name == names[merchant_id] and held == ""
        assert {"redemptions": int(redemptions), "order_fen": int(order_fen),
                "discount_fen": int(discount_fen)} == expected[merchant_id]
    assert [int(value) for value in total[2:5]] == [len(counted), order_total, discount_total]


def test_coupon_metrics_count_claims_redemptions_and_stock(stack, client, merchants):
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=3)["campaign_id"]
    _, coupon = coupon_for_new_consumer(client, campaign_id)
    _, merchant, _ = certify(client, merchants)
    assert redeem(client, merchant, coupon["code"], 20000).status_code == 201
    figures = poll(lambda: samples(stack.url_of("coupons")), lambda f: f.get(
        ("fangxin_coupon_stock_remaining", (("campaign_id", campaign_id),))) == 2)
    assert figures[("fangxin_coupon_claims_total", (("outcome", "issued"),))] >= 1
    assert figures[("fangxin_coupon_redemptions_total", (("outcome", "redeemed"),))] >= 1


def stock_series(stack, campaign_id):
    """The coupons service's fangxin_coupon_stock_remaining of a campaign, or None."""
    return samples(stack.url_of("coupons")).get(
        ("fangxin_coupon_stock_remaining", (("campaign_id", campaign_id),)))


def test_the_stock_gauge_drops_a_campaign_once_it_has_ended_or_been_cancelled(
        stack, client, operator):
    """An ended campaign's last figure (0 once sold out) would keep the stock-exhausted alert
    firing for good: cancelled, sold out and ended by the clock, its series goes."""
    cancelled = active_campaign(client, operator, total_quantity=3)["campaign_id"]
    sold_out = active_campaign(client, operator, total_quantity=1)["campaign_id"]
    timed_out = active_campaign(client, operator, claim_ends_at=from_now(6))["campaign_id"]
    ids = (cancelled, sold_out, timed_out)
    shown = poll(lambda: [stock_series(stack, c) for c in ids], lambda v: None not in v)
    assert shown == [3, 1, 100]

    assert transition(client, operator, cancelled, "cancel").json()["status"] == "cancelled"
    coupon_for_new_consumer(client, sold_out)
    for campaign_id in (sold_out, timed_out):
        assert poll(lambda campaign_id=campaign_id: campaign(client, operator,
                                                             campaign_id)["status"],
                    lambda status: status == "ended", seconds=15) == "ended"
    gone = poll(lambda: [stock_series(stack, c) for c in ids], lambda v: v == [None] * 3)
    assert gone == [None] * 3


def test_the_store_page_shows_the_campaigns_a_shop_takes_part_in(client, merchants):
    from tests.e2e.registry_steps import record

    merchant_id, merchant, _ = certify(client, merchants, region="330106")
    code = record(client, merchant, merchant_id)["store_code"]
    operator = operator_token(client)
    taken = active_campaign(client, operator, eligibility={"regions": ["330100"]})
    elsewhere = active_campaign(client, operator, eligibility={"regions": ["330200"]})
    page = client.get(f"/api/v1/public/stores/{code}").json()
    names = [c["name"] for c in page["coupons"]]
    assert taken["name"] in names and elsewhere["name"] not in names
    assert taken["name"] in client.get(f"/s/{code}").text
