"""The holiday rush through the gateway, against the real broker and store: many more claims
than stock from many consumers, with repeats and retries, never oversell, never exceed a limit,
and every retry gets the first answer; and two tills redeeming one coupon at the same instant."""
import random
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests
from pymongo import MongoClient

from devtools.waiting import poll
from plumbing.config import database_name
from tests.e2e.coupon_steps import (
    SOLD_OUT,
    active_campaign,
    campaign,
    claim,
    claimed,
    error_code,
    my_coupons,
    new_consumer,
    operator_token,
    stats,
    unique,
)
from tests.e2e.registry_steps import certify

STOCK = 200
LIMIT = 2
CONSUMERS = 300
GREEDY = 30            # the first consumers fire GREEDY_KEYS different keys at once
GREEDY_KEYS = 4
KEYS = 3               # every other consumer tries with this many different keys
WORKERS = 32
BURST = 12             # consumers claiming the last coupon at the same instant
ALLOWED = {(201, None), (409, "LIMIT_REACHED"), SOLD_OUT}


class Gateway:
    """HTTP from a pool of threads, one ``requests.Session`` (kept-alive connection) each."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.local = threading.local()
        self.sessions = []

    def session(self):
        if getattr(self.local, "session", None) is None:
            self.local.session = requests.Session()
            self.sessions.append(self.local.session)
        return self.local.session

    def request(self, method, path, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session().request(method, self.base_url + path, headers=headers,
                                      timeout=30, **kwargs)

    def close(self):
        for session in self.sessions:
            session.close()


def answer(response):
    """(status, body) of a response, the body parsed when it is JSON."""
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def outcome(status, body):
    if status == 201:
        return 201, None
    return status, body.get("error", {}).get("code") if isinstance(body, dict) else None


def rush_plan(consumers, rng):
    """Claim attempts as (consumer, key) in firing order; the same pair more than once is a
    retry with the same key and body. Copies stand next to each other, so the pool fires them
    concurrently. The greedy consumers go first, each with all its keys at once."""
    greedy = []
    for sub in consumers[:GREEDY]:
        for number in range(GREEDY_KEYS):
            key = unique("rush-key")
            greedy += [(sub, key)] * (2 if number == 0 else 1)
    groups, count = [], 0
    for sub in consumers[GREEDY:]:
        for _ in range(KEYS):
            count += 1
            copies = 1 + (count % 4 == 0) + (count % 7 == 0)
            groups.append([(sub, unique("rush-key"))] * copies)
    rng.shuffle(groups)
    return greedy + [attempt for group in groups for attempt in group]


def test_a_claim_rush_never_oversells_and_retries_get_the_first_answer(client, system_env):
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=STOCK,
                                  per_consumer_limit=LIMIT, face_value_fen=500)["campaign_id"]
    rng = random.Random(20261001)
    consumers = [unique("rush-consumer") for _ in range(CONSUMERS)]
    gateway = Gateway(client.base_url)

    def fire(attempt):
        sub, key = attempt
        started = time.monotonic()
        response = gateway.request("POST", f"/api/v1/campaigns/{campaign_id}/claims",
                                   tokens[sub], headers={"Idempotency-Key": key}, json={})
        return attempt, started, time.monotonic(), *answer(response)

    def coupons_of(sub):
        response = gateway.request("GET", "/api/v1/me/coupons", tokens[sub],
                                   params={"limit": 100})
        assert response.status_code == 200, response.text
        return sub, [c for c in response.json()["items"] if c["campaign_id"] == campaign_id]

    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            tokens = dict(zip(consumers, pool.map(
                lambda sub: client.token(role="consumer", sub=sub), consumers)))
            plan = rush_plan(consumers, rng)
            began = time.monotonic()
            fired = list(pool.map(fire, plan))
            rush_seconds = time.monotonic() - began
            # retried once more after the rush: every greedy key and a sample of the others
            keys = list(dict.fromkeys(plan))
            again = keys[:GREEDY * GREEDY_KEYS] + rng.sample(keys[GREEDY * GREEDY_KEYS:], 100)
            fired += list(pool.map(fire, again))
            held_by = dict(pool.map(coupons_of, consumers))
    finally:
        gateway.close()

    failures = [(attempt, status, body) for attempt, _, _, status, body in fired if status >= 500]
    assert not failures, f"{len(failures)} answers 5xx, e.g. {failures[:3]}"
    outcomes = Counter(outcome(status, body) for _, _, _, status, body in fired)
    assert set(outcomes) <= ALLOWED, outcomes
    assert outcomes[(201, None)] >= STOCK, outcomes

    answers = defaultdict(list)
    for attempt, started, ended, status, body in fired:
        answers[attempt].append((started, ended, status, body))
    mismatched = {attempt: [(status, body) for _, _, status, body in seen]
                  for attempt, seen in answers.items()
                  if any((s, b) != (seen[0][2], seen[0][3]) for _, _, s, b in seen[1:])}
    assert not mismatched, f"{len(mismatched)} keys answered differently, e.g. " \
                           f"{list(mismatched.items())[:2]}"

    won = {attempt: seen[0][3] for attempt, seen in answers.items() if seen[0][2] == 201}
    coupon_ids = [body["coupon_id"] for body in won.values()]
    assert len(coupon_ids) == len(set(coupon_ids)) == STOCK, (len(coupon_ids), outcomes)
    assert len({body["code"] for body in won.values()}) == STOCK
    assert all(body["campaign_id"] == campaign_id and body["expires_at"]
               for body in won.values())

    held = defaultdict(dict)
    for (sub, _), body in won.items():
        held[sub][body["coupon_id"]] = body["code"]
    assert max(len(coupons) for coupons in held.values()) <= LIMIT
    for sub in consumers[:GREEDY]:  # stock was plentiful while they raced their own limit
        answered = Counter(outcome(*answers[attempt][0][2:]) for attempt in keys
                           if attempt[0] == sub)
        assert answered == {(201, None): LIMIT, (409, "LIMIT_REACHED"): GREEDY_KEYS - LIMIT}, \
            (sub, answered)

    for sub in consumers:  # every 201 is stored and seen by its consumer, and nothing else is
        seen = {c["coupon_id"]: c["code"] for c in held_by[sub]}
        assert seen == held.get(sub, {}), sub
        assert all(c["status"] == "active" for c in held_by[sub]), held_by[sub]

    # "ended" is only ever said once the stock was really gone: after the last winning
    # request had started
    gone_after = max(min(started for started, _, _, _ in answers[attempt]) for attempt in won)
    early = [attempt for attempt, seen in answers.items() for _, ended, status, body in seen
             if outcome(status, body) == (409, "CAMPAIGN_NOT_ACTIVE") and ended < gone_after]
    assert not early, early[:3]

    figures = stats(client, operator, campaign_id)
    assert (figures["issued"], figures["remaining"]) == (STOCK, 0), figures
    after = campaign(client, operator, campaign_id)
    assert (after["status"], after["remaining"]) == ("ended", 0), after
    stored = MongoClient(system_env["MONGO_URI"])[database_name("coupons")]["coupons"]
    assert stored.count_documents({"campaign_id": campaign_id}) == STOCK
    _, latecomer = new_consumer(client)
    late = claim(client, latecomer, campaign_id)
    assert (late.status_code, error_code(late)) == SOLD_OUT
    print(f"{len(plan)} claim attempts in {rush_seconds:.1f} s: {dict(outcomes)}")


def test_two_tills_redeeming_one_coupon_at_the_same_instant_only_one_wins(client, merchants):
    operator = operator_token(client)
    tills = [certify(client, merchants, region="330106")[:2],
             certify(client, merchants, region="330108")[:2]]
    campaign_id = active_campaign(client, operator, total_quantity=50, per_consumer_limit=10,
                                  face_value_fen=500)["campaign_id"]
    _, consumer = new_consumer(client)
    gateway = Gateway(client.base_url)
    wins = Counter()

    try:
        with ThreadPoolExecutor(2) as pool:
            for _ in range(10):
                coupon = claimed(client, consumer, campaign_id)
                barrier = threading.Barrier(2)

                def till(shop, coupon=coupon, barrier=barrier):
                    merchant_id, token = shop
                    gateway.request("GET", "/healthz")  # the connection is open beforehand
                    barrier.wait(timeout=10)
                    response = gateway.request(
                        "POST", "/api/v1/redemptions", token,
                        json={"code": coupon["code"], "order_amount_fen": 3000})
                    return merchant_id, *answer(response)

                results = sorted(pool.map(till, tills), key=lambda result: result[1])
                assert [status for _, status, _ in results] == [201, 409], results
                (winner, _, redemption), (_, _, refusal) = results
                assert refusal["error"]["code"] == "ALREADY_REDEEMED"
                assert (redemption["merchant_id"], redemption["coupon_id"],
                        redemption["discount_fen"]) == (winner, coupon["coupon_id"], 500)
                wins[winner] += 1
    finally:
        gateway.close()

    mine = my_coupons(client, consumer, campaign_id)
    assert len(mine) == 10 and all(c["status"] == "redeemed" for c in mine)
    figures = stats(client, operator, campaign_id)
    assert (figures["issued"], figures["redeemed"], figures["discount_fen"]) == (10, 10, 5000)
    assert {m["merchant_id"]: m["redemptions"] for m in figures["per_merchant"]} == dict(wins)


def test_a_burst_on_the_last_coupon_sells_it_once_and_the_others_hear_sold_out(client):
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=1)["campaign_id"]
    tokens = [new_consumer(client)[1] for _ in range(BURST)]
    gateway = Gateway(client.base_url)
    barrier = threading.Barrier(BURST)

    def claim_at_once(token):
        gateway.request("GET", "/healthz")  # the connection is open beforehand
        barrier.wait(timeout=10)
        return answer(gateway.request("POST", f"/api/v1/campaigns/{campaign_id}/claims", token,
                                      json={}))

    try:
        with ThreadPoolExecutor(BURST) as pool:
            results = list(pool.map(claim_at_once, tokens))
    finally:
        gateway.close()
    outcomes = Counter(outcome(status, body) for status, body in results)
    assert outcomes[(201, None)] == 1, results
    assert set(outcomes) <= {(201, None), SOLD_OUT}, results
    assert outcomes[(409, "SOLD_OUT")] >= 1, outcomes  # those that found the stock gone
    figures = stats(client, operator, campaign_id)
    assert (figures["issued"], figures["remaining"]) == (1, 0)
    assert poll(lambda: campaign(client, operator, campaign_id),
                lambda c: c["status"] == "ended", seconds=5)["status"] == "ended"
