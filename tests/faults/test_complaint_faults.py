"""Complaints filed while the complaints and notifications services are killed (-9) and
started again at random moments: every complaint a consumer was answered 201 for exists
afterwards, every stored complaint produced exactly one "new complaint" message to its
merchant once everything is back (the outbox publishes what a killed process wrote; handlers
claim each event once, and a handler killed half-way is taken over after its lease), and the
store pages the gateway kept were dropped by the complaints' events (tests/faults/complaints.py)."""
import random
import time

import pytest
from pymongo import MongoClient

from devtools.waiting import poll
from plumbing.clock import Clock, to_rfc3339
from services.complaints.store import ComplaintsStore
from tests.e2e.coupon_steps import pages, unique
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import filing
from tests.faults.complaints import ComplaintStream
from tests.faults.faults import Outages, error_code, restart


@pytest.mark.timeout(300)
def test_complaints_filed_through_crashes_are_kept_and_each_tells_its_merchant_once(
        fault_stack, fault_client, fault_merchants):
    stack, stream = fault_stack, ComplaintStream(fault_client, fault_merchants, at_least=60)
    stream.view_pages([stack.gateway_url])  # kept by the gateway from now on
    outages = Outages()
    with stream.alongside():
        for name in ("complaints", "notifications", "complaints", "notifications"):
            time.sleep(random.uniform(0.3, 1.5))
            outages.during(name, lambda name=name: stack.kill(name), restart(stack, name), stack,
                           0.5)
    assert len(outages.windows) == 4
    outcomes = stream.check(outages, gateway_urls=[stack.gateway_url])
    print(f"{len(stream.seen)} requests, outcomes {dict(outcomes)}, outages "
          f"{[(p, round(e - s, 1)) for p, s, e in outages.windows]}")


def test_a_filing_that_died_before_storing_its_complaint_does_not_block_the_consumer(
        fault_stack, fault_client, fault_merchants):
    """The dead filing is played by the complaints store's own ``claim_filing`` against the
    real store, with no complaint stored after it (COMPLAINT_FILING_LEASE_SECONDS is 5 here)."""
    client = fault_client
    merchant_id, merchant = certify(client, fault_merchants)[:2]
    sub = unique("fault-lease-consumer")
    token = client.token(role="consumer", sub=sub)
    database = MongoClient(fault_stack.env["MONGO_URI"])[
        fault_stack.env["MONGO_DB_PREFIX"] + "complaints"]
    now = to_rfc3339(Clock().now())
    assert ComplaintsStore(database).claim_filing(f"{sub}:{merchant_id}:quality", "never-stored",
                                                  now, now, now)  # ... and the process dies

    # while the dead filing's lease runs: 503 (retry), never a 409 for a complaint that
    # does not exist
    answer = poll(lambda: client.post("/api/v1/complaints", token, json=filing(merchant_id)),
                  lambda response: response.status_code != 503, seconds=30, interval=0.5)
    assert answer.status_code == 201, answer.text
    again = client.post("/api/v1/complaints", token, json=filing(merchant_id))
    assert (again.status_code, error_code(again.json())) == (409, "DUPLICATE_COMPLAINT")
    assert [c["complaint_id"] for c in pages(client, "/api/v1/complaints", token)] == [
        answer.json()["complaint_id"]]
