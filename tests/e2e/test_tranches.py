"""Tranches through the gateway: a campaign's stock released in parts at their times, a
sold-out first tranche leaving the campaign open for the next, which brings what it holds."""
from devtools.waiting import poll
from tests.e2e.coupon_steps import (
    active_campaign,
    campaign,
    claim,
    error_code,
    from_now,
    new_consumer,
    operator_token,
)


def test_the_next_tranche_comes_at_its_time_and_a_sold_out_one_ends_nothing(client):
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=3, tranches=[
        {"starts_at": from_now(-60), "quantity": 2},
        {"starts_at": from_now(4), "quantity": 1}])["campaign_id"]
    assert campaign(client, operator, campaign_id)["remaining"] == 2
    first = [claim(client, new_consumer(client)[1], campaign_id) for _ in range(3)]
    assert [r.status_code for r in first] == [201, 201, 409]
    assert error_code(first[2]) == "SOLD_OUT"
    assert campaign(client, operator, campaign_id)["status"] == "active"

    released = poll(lambda: campaign(client, operator, campaign_id),
                    lambda c: c["tranches_released"] == 2, seconds=20)
    assert released["remaining"] == 1
    assert claim(client, new_consumer(client)[1], campaign_id).status_code == 201
    ended = poll(lambda: campaign(client, operator, campaign_id),
                 lambda c: c["status"] == "ended", seconds=20)
    assert ended["remaining"] == 0
