"""Complaints filed while the complaints and notifications services are killed (-9) and
started again at random moments: every complaint a consumer was answered 201 for exists
afterwards, and every stored complaint produced exactly one "new complaint" message to its
merchant once everything is back (the outbox publishes what a killed process wrote; handlers
claim each event once, and a handler killed half-way is taken over after its lease)."""
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from pymongo import MongoClient

from devtools.waiting import poll
from plumbing.clock import Clock, to_rfc3339
from services.complaints.store import ComplaintsStore
from tests.e2e.coupon_steps import pages, unique
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import filing
from tests.faults.faults import (HUNG, Outages, error_code, restart, send, start_thread,
                                 until_answered)

SHOPS, COMPLAINTS, WORKERS = 3, 60, 6
COMPLAINT_ID = re.compile(r"[0-9a-f]{32}")


@pytest.mark.timeout(300)
def test_complaints_filed_through_crashes_are_kept_and_each_tells_its_merchant_once(
        fault_stack, fault_client, fault_merchants):
    client, stack, merchants = fault_client, fault_stack, fault_merchants
    shops = [certify(client, merchants)[:2] for _ in range(SHOPS)]
    filings = [(unique("fault-complainant"), shops[n % SHOPS][0]) for n in range(COMPLAINTS)]
    tokens = {sub: client.token(role="consumer", sub=sub) for sub, _ in filings}
    url = f"{client.base_url}/api/v1/complaints"
    seen, lock, local = [], threading.Lock(), threading.local()

    def file_one(item):
        sub, merchant_id = item
        session = getattr(local, "session", None) or requests.Session()
        local.session = session

        def record(status, body, seconds, at):
            with lock:
                seen.append((item, status, body, seconds, at))

        time.sleep(random.uniform(0, 0.3))  # spread the filings over the faults
        return item, until_answered(lambda: send(session, "POST", url, tokens[sub],
                                                 json=filing(merchant_id)), record)

    outages = Outages()

    def faults():
        for name in ("complaints", "notifications", "complaints", "notifications"):
            time.sleep(random.uniform(0.3, 1.5))
            outages.during(name, lambda: stack.kill(name), restart(stack, name), stack, 0.5)

    fault_thread = start_thread(faults)
    with ThreadPoolExecutor(WORKERS) as pool:
        answered = dict(pool.map(file_one, filings))
    fault_thread.join(120)
    assert len(outages.windows) == 4
    assert not [s for s in seen if s[1] == HUNG]
    assert not [s for s in seen if isinstance(s[1], int) and s[1] >= 500 and s[1] != 503]

    # a 503 may hide a complaint that was stored: its retry hears DUPLICATE_COMPLAINT
    outcomes = Counter((status, error_code(body)) for status, body in answered.values())
    assert set(outcomes) <= {(201, None), (409, "DUPLICATE_COMPLAINT")}, outcomes
    filed = {body["complaint_id"]: item for item, (status, body) in answered.items()
             if status == 201}
    for (sub, merchant_id), (status, _) in answered.items():
        if status == 409:  # only ever said of a complaint that exists
            mine = pages(client, "/api/v1/complaints", tokens[sub])
            assert [c["merchant_id"] for c in mine] == [merchant_id], (sub, mine)
    for complaint_id, (sub, merchant_id) in filed.items():
        kept = client.get(f"/api/v1/complaints/{complaint_id}", tokens[sub])
        assert kept.status_code == 200, (complaint_id, kept.text)
        assert kept.json()["merchant_id"] == merchant_id

    for merchant_id, token in shops:
        stored = {c["complaint_id"] for c in pages(client, "/api/v1/complaints", token)}
        assert {c for c, (_, m) in filed.items() if m == merchant_id} <= stored

        def told():
            messages = pages(client, "/api/v1/me/notifications", token)
            return Counter(found for m in messages if m["event_type"] == "complaint_forwarded"
                           for found in COMPLAINT_ID.findall(m["body"]) if found in stored)

        counts = poll(told, lambda c: set(c) == stored, seconds=60, interval=0.5)
        assert set(counts) == stored, (merchant_id, stored - set(counts))
        assert set(counts.values()) == {1}, counts
        # nothing more arrives later: a second look after a further pass of every relay
        time.sleep(1.5)  # an outbox sweep (0.5 s) and a delivery, not an outcome
        assert told() == counts
    print(f"{len(seen)} requests, outcomes {dict(outcomes)}, outages "
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
