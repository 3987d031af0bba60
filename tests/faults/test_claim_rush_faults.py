"""A claim rush through a kill -9 of the coupons service, a stop of the broker's app (a private
RabbitMQ node) and a kill -9 of the gateway: no unit of stock lost or oversold, nobody over
the limit, every 201 a client saw is a stored coupon, retries get the first answer, and while a
part was down clients heard 503 (or, with the gateway gone, a refused connection) quickly."""
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, my_coupons, operator_token, stats, unique
from tests.faults.faults import (HUNG, REFUSED, Outages, error_code, restart, send,
                                 start_thread, until_answered)

STOCK, LIMIT, CONSUMERS, KEYS, WORKERS = 150, 2, 100, 3, 8
QUICK_503_SECONDS = 6     # RPC_TIMEOUT_SECONDS (3) and room for a loaded machine
IN_PROGRESS = {(409, "REQUEST_IN_PROGRESS")}  # a key whose first request died with its process


@pytest.mark.timeout(300)
def test_a_claim_rush_through_crashes_and_a_broker_outage_loses_and_oversells_nothing(
        fault_stack, fault_client, rabbit):
    client, stack = fault_client, fault_stack
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=STOCK,
                                  per_consumer_limit=LIMIT)["campaign_id"]
    url = f"{client.base_url}/api/v1/campaigns/{campaign_id}/claims"
    consumers = [unique("fault-consumer") for _ in range(CONSUMERS)]
    tokens = {sub: client.token(role="consumer", sub=sub) for sub in consumers}
    plan = [(sub, unique("key")) for sub in consumers for _ in range(KEYS)]
    random.Random(9).shuffle(plan)

    seen, lock, faults_done = [], threading.Lock(), threading.Event()
    local = threading.local()

    def claim(attempt):
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        sub, key = attempt

        def record(status, body, seconds, at):
            with lock:
                seen.append((attempt, status, body, seconds, at))

        return attempt, until_answered(
            lambda: send(session, "POST", url, tokens[sub], json={},
                         headers={"Idempotency-Key": key}), record, retry_while=IN_PROGRESS)

    outages = Outages()

    def faults():
        try:
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
        finally:
            faults_done.set()

    fault_thread = start_thread(faults)
    with ThreadPoolExecutor(WORKERS) as pool:
        first = dict(pool.map(claim, plan))
        # the clients keep retrying answered keys until the last part is back: replays
        # through the faults must give the first answer too
        while not faults_done.is_set():
            list(pool.map(claim, random.sample(plan, WORKERS * 2)))
    fault_thread.join(120)
    assert [part for part, _, _ in outages.windows] == ["coupons", "broker", "gateway"]

    # no hang, no 5xx but 503, refusals only while the gateway was down, 503s quick
    hung = [s for s in seen if s[1] == HUNG]
    assert not hung, hung[:3]
    broken = [s for s in seen if isinstance(s[1], int) and s[1] >= 500 and s[1] != 503]
    assert not broken, broken[:3]
    slow = [s for s in seen if s[1] == 503 and s[3] > QUICK_503_SECONDS]
    assert not slow, slow[:3]
    stray = [s for s in seen if s[1] == REFUSED and "gateway" not in outages.parts_down_at(s[4])]
    assert not stray, stray[:3]
    for part, start, end in outages.windows:
        during = [s for s in seen if start <= s[4] <= end + 1]
        assert any(s[1] in (503, REFUSED) for s in during), (part, len(during))

    # every key's answer, once settled, is a 201 or a refusal for the limit or the stock
    answers = {attempt: (status, error_code(body)) for attempt, (status, body) in first.items()}
    assert set(answers.values()) <= {(201, None), (409, "LIMIT_REACHED"), (409, "SOLD_OUT"),
                                     (409, "CAMPAIGN_NOT_ACTIVE")}, set(answers.values())
    wins = defaultdict(dict)  # sub -> {coupon_id: code} of every 201 seen, replays included
    for (sub, key), status, body, _, _ in seen:
        if status == 201:
            assert wins[sub].setdefault(body["coupon_id"], body["code"]) == body["code"]
    replayed = defaultdict(set)
    for attempt, status, body, _, _ in seen:
        if status == 201 or (status == 409 and error_code(body) != "REQUEST_IN_PROGRESS"):
            replayed[attempt].add((status, body.get("coupon_id") if status == 201
                                   else error_code(body)))
    assert all(len(answers_) == 1 for answers_ in replayed.values()), \
        [a for a in replayed.items() if len(a[1]) > 1][:3]

    # stock: what was taken is exactly what was issued, once the reconciler has run
    figures = poll(lambda: stats(client, operator, campaign_id),
                   lambda f: f["issued"] + f["remaining"] == STOCK, seconds=30, interval=0.5)
    assert figures["issued"] + figures["remaining"] == STOCK, figures
    held = {sub: {c["coupon_id"]: c["code"] for c in my_coupons(client, tokens[sub],
                                                                campaign_id)}
            for sub in consumers}
    assert sum(len(c) for c in held.values()) == figures["issued"]
    assert max(len(c) for c in held.values()) <= LIMIT
    for sub, coupons in wins.items():  # every 201 a client saw is a stored coupon of theirs
        assert coupons.items() <= held[sub].items(), sub
    print(f"{len(seen)} requests, {sum(1 for s in seen if s[1] == 503)} answered 503, "
          f"{sum(1 for s in seen if s[1] == REFUSED)} refused; outages "
          f"{[(p, round(e - s, 1)) for p, s, e in outages.windows]}; figures {figures}")
