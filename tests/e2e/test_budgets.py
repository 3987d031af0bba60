"""Money budgets through the gateway: a campaign's budget in fen and a merchant's daily cap hold
under tills redeeming at the same moment (no discount is paid past either), the refusals say
which one, and a rollback gives its share back."""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.coupon_steps import (
    active_campaign,
    coupon_for_new_consumer,
    error_code,
    from_now,
    operator_token,
    redeem,
    rollback,
    stats,
)
from tests.e2e.registry_steps import certify

TILLS = 12


@pytest.fixture(scope="module")
def operator(client):
    return operator_token(client)


def codes_for(client, campaign_id, count):
    with ThreadPoolExecutor(8) as pool:
        return [coupon["code"] for _, coupon in pool.map(
            lambda _: coupon_for_new_consumer(client, campaign_id), range(count))]


def redeemed_at_once(client, merchant_token, codes):
    """The answers of redeeming every code at the same moment at one merchant's tills."""
    with ThreadPoolExecutor(len(codes)) as pool:
        return list(pool.map(lambda code: redeem(client, merchant_token, code, 5000), codes))


def outcome(response):
    if response.status_code == 201:
        return "201"
    return f"{response.status_code} {error_code(response)}"


def test_tills_at_once_never_spend_past_the_budget_and_a_rollback_frees_its_share(
        client, merchants, operator):
    _, merchant, _ = certify(client, merchants)
    campaign_id = active_campaign(client, operator, total_quantity=TILLS,
                                  face_value_fen=1000, budget_fen=5500)["campaign_id"]
    codes = codes_for(client, campaign_id, TILLS)
    answers = redeemed_at_once(client, merchant, codes)
    assert Counter(map(outcome, answers)) == {"201": 5, "409 BUDGET_EXHAUSTED": TILLS - 5}
    figures = stats(client, operator, campaign_id)
    assert (figures["budget_fen"], figures["budget_spent_fen"]) == (5500, 5000)
    assert (figures["redeemed"], figures["discount_fen"]) == (5, 5000)

    done = next(r.json() for r in answers if r.status_code == 201)
    assert rollback(client, merchant, done["redemption_id"]).status_code == 200
    assert stats(client, operator, campaign_id)["budget_spent_fen"] == 4000
    refused = next(code for code, r in zip(codes, answers) if r.status_code == 409)
    assert redeem(client, merchant, refused, 5000).status_code == 201
    assert stats(client, operator, campaign_id)["budget_spent_fen"] == 5000


def test_a_merchant_takes_no_more_than_its_daily_cap_while_another_still_can(
        client, merchants, operator):
    (_, first, _), (_, second, _) = certify(client, merchants), certify(client, merchants)
    campaign_id = active_campaign(client, operator, total_quantity=8, face_value_fen=1000,
                                  merchant_daily_cap_fen=2000)["campaign_id"]
    codes = codes_for(client, campaign_id, 8)
    at_first = redeemed_at_once(client, first, codes[:4])
    assert Counter(map(outcome, at_first)) == {"201": 2, "409 MERCHANT_CAP_REACHED": 2}
    at_second = redeemed_at_once(client, second, codes[4:])
    assert Counter(map(outcome, at_second)) == {"201": 2, "409 MERCHANT_CAP_REACHED": 2}
    assert stats(client, operator, campaign_id)["discount_fen"] == 4000


def test_a_budget_in_tranches_pays_only_what_the_tranches_started_hold(
        client, merchants, operator):
    _, merchant, _ = certify(client, merchants)
    start = from_now(-120)
    campaign_id = active_campaign(client, operator, total_quantity=4, face_value_fen=1000,
                                  budget_fen=4000, claim_starts_at=start,
                                  claim_ends_at=from_now(7200), tranches=[
                                      {"starts_at": start, "quantity": 2,
                                       "budget_fen": 1500},
                                      {"starts_at": from_now(3600), "quantity": 2,
                                       "budget_fen": 2500}])["campaign_id"]
    answers = redeemed_at_once(client, merchant, codes_for(client, campaign_id, 2))
    assert Counter(map(outcome, answers)) == {"201": 1, "409 BUDGET_EXHAUSTED": 1}
    refused = next(r for r in answers if r.status_code == 409).json()["error"]["details"]
    assert (refused["budget_fen"], refused["budget_released_fen"]) == (4000, 1500)
    figures = stats(client, operator, campaign_id)
    assert (figures["budget_released_fen"], figures["budget_spent_fen"]) == (1500, 1000)
