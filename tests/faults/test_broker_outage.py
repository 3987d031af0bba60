"""The broker goes away for a while (shortened here to 15 s from the issue's minute) on a
private RabbitMQ node, and one service is even started while it is away: every process
reconnects by itself, RPCs answer again, and events flow again (a complaint filed afterwards
reaches its merchant's inbox through the complaints relay and the notifications consumer)."""
import time

import pytest
import requests

from devtools.waiting import poll, wait_until
from tests.e2e.coupon_steps import active_campaign, claimed, new_consumer, operator_token, pages
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import file, filing

OUTAGE_SECONDS = 15


def healthy(url):
    try:
        return requests.get(f"{url}/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


@pytest.mark.timeout(240)
def test_every_service_reconnects_after_the_broker_was_away_even_one_started_without_it(
        fault_stack, fault_client, fault_merchants, rabbit):
    client, stack = fault_client, fault_stack
    merchant_id, merchant = certify(client, fault_merchants)[:2]
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=10)["campaign_id"]

    rabbit.stop_app()
    away_since = time.monotonic()
    try:
        stack.kill("notifications")
        stack.start_process("notifications")  # starts while there is no broker
        during = requests.get(f"{client.base_url}/readyz", timeout=10)
        assert during.status_code == 503, during.text
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - away_since)))  # the outage
    finally:
        rabbit.start_app()
    back_at = time.monotonic()
    assert stack.wait_ready(90), f"not ready after the broker came back; see {stack.logs_dir}"
    ready_after = time.monotonic() - back_at
    assert wait_until(lambda: healthy(stack.url_of("notifications")), 30)

    _, consumer = new_consumer(client)
    assert claimed(client, consumer, campaign_id)["campaign_id"] == campaign_id
    complaint = file(client, consumer, filing(merchant_id, category="service"))
    told = poll(lambda: [m for m in pages(client, "/api/v1/me/notifications", merchant)
                         if complaint["complaint_id"] in m["body"]], bool, seconds=60)
    assert [m["event_type"] for m in told] == ["complaint_forwarded"]
    print(f"broker away {back_at - away_since:.1f} s; ready again {ready_after:.1f} s after "
          f"it came back; message delivered")
