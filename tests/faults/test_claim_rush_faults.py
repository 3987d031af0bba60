"""A claim rush through a kill -9 of the coupons service, a stop of the broker's app (a private
RabbitMQ node) and a kill -9 of the gateway: no unit of stock lost or oversold, nobody over
the limit, every 201 a client saw is a stored coupon, retries get the first answer, and while a
part was down clients heard 503 (or, with the gateway gone, a refused connection) quickly."""
import random
import time

import pytest

from tests.faults.faults import restart
from tests.faults.rush import ClaimRush


@pytest.mark.timeout(300)
def test_a_claim_rush_through_crashes_and_a_broker_outage_loses_and_oversells_nothing(
        fault_stack, fault_client, rabbit):
    stack, rush = fault_stack, ClaimRush(fault_client)

    def faults(outages):
        time.sleep(random.uniform(0.5, 1.5))
        # down longer than the gateway's RPC timeout (3 s): a claim sent at the kill
        # must be answered 503, however quickly the restarted process catches up
        outages.during("coupons", lambda: stack.kill("coupons"),
                       restart(stack, "coupons"), stack, 3.5)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("broker", rabbit.stop_app, rabbit.start_app, stack, 3)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("gateway", lambda: stack.kill("gateway"),
                       restart(stack, "gateway"), stack, 1)

    rush.run(faults)
    assert [part for part, _, _ in rush.outages.windows] == ["coupons", "broker", "gateway"]
    # refusals only while the one gateway was down
    rush.check(refusal_allowed=lambda down: "gateway" in down)
    rush.heard_of_every_outage()
