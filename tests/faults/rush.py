"""A claim rush that keeps going through faults, and what must hold afterwards: no unit of stock
lost or oversold (issued + remaining == stock, and every coupon issued stored), nobody over the
limit, every 201 a client saw is a stored coupon of theirs, every key answered the same, no 5xx
but 503, every 503 quick, no hang, and clients heard of every outage."""
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, my_coupons, operator_token, stats, unique
from tests.faults.faults import (
    REFUSED,
    Outages,
    check_every_try,
    error_code,
    send,
    start_thread,
    until_answered,
)

STOCK, LIMIT, CONSUMERS, KEYS, WORKERS = 150, 2, 100, 3, 8
IN_PROGRESS = {(409, "REQUEST_IN_PROGRESS")}  # a key whose first request died with its process
SETTLED = {(201, None), (409, "LIMIT_REACHED"), (409, "SOLD_OUT"), (409, "CAMPAIGN_NOT_ACTIVE")}


class ClaimRush:
    """``CONSUMERS`` consumers claiming ``KEYS`` times each (retrying with the same key on 503
    or a refused connection) from a campaign of ``STOCK``, while ``faults(outages)`` runs."""

    def __init__(self, client):
        self.client = client
        self.operator = operator_token(client)
        self.campaign_id = active_campaign(client, self.operator, total_quantity=STOCK,
                                           per_consumer_limit=LIMIT)["campaign_id"]
        self.url = f"{client.base_url}/api/v1/campaigns/{self.campaign_id}/claims"
        self.consumers = [unique("fault-consumer") for _ in range(CONSUMERS)]
        self.tokens = {sub: client.token(role="consumer", sub=sub) for sub in self.consumers}
        self.plan = [(sub, unique("key")) for sub in self.consumers for _ in range(KEYS)]
        random.Random(9).shuffle(self.plan)
        self.seen, self.first, self.outages = [], {}, Outages()
        self._lock, self._local = threading.Lock(), threading.local()

    def _claim(self, attempt):
        session = getattr(self._local, "session", None) or requests.Session()
        self._local.session = session
        sub, key = attempt

        def record(status, body, seconds, at):
            with self._lock:
                self.seen.append((attempt, status, body, seconds, at))

        return attempt, until_answered(
            lambda: send(session, "POST", self.url, self.tokens[sub], json={},
                         headers={"Idempotency-Key": key}), record, retry_while=IN_PROGRESS)

    def run(self, faults):
        done, failed = threading.Event(), []

        def run_faults():
            try:
                faults(self.outages)
            except BaseException as exc:  # noqa: BLE001 - raised again below, in the test
                failed.append(exc)
            finally:
                done.set()

        fault_thread = start_thread(run_faults)
        with ThreadPoolExecutor(WORKERS) as pool:
            self.first = dict(pool.map(self._claim, self.plan))
            # the clients keep retrying answered keys until the last fault is over: replays
            # through the faults must give the first answer too
            while not done.is_set():
                list(pool.map(self._claim, random.sample(self.plan, WORKERS * 2)))
        fault_thread.join(300)
        if failed:
            raise failed[0]

    def check(self, refusal_allowed):
        """Every invariant; ``refusal_allowed(parts down at the moment)`` says whether a
        refused connection was to be expected then."""
        seen, outages = self.seen, self.outages
        check_every_try(seen, outages, refusal_allowed)
        self._check_answers()
        figures = self._check_stock()
        print(f"{len(seen)} requests, {sum(1 for s in seen if s[1] == 503)} answered 503 "
              f"(the slowest in {max([s[3] for s in seen if s[1] == 503], default=0):.2f} s), "
              f"{sum(1 for s in seen if s[1] == REFUSED)} refused; outages "
              f"{[(p, round(e - s, 1)) for p, s, e in outages.windows]}; figures {figures}")

    def heard_of_every_outage(self):
        for part, start, end in self.outages.windows:
            during = [s for s in self.seen if start <= s[4] <= end + 1]
            assert any(s[1] in (503, REFUSED) for s in during), (part, len(during))

    def _check_answers(self):
        answers = {attempt: (status, error_code(body))
                   for attempt, (status, body) in self.first.items()}
        assert set(answers.values()) <= SETTLED, set(answers.values())
        replayed = defaultdict(set)
        for attempt, status, body, _, _ in self.seen:
            if status == 201 or (status == 409 and error_code(body) != "REQUEST_IN_PROGRESS"):
                replayed[attempt].add((status, body.get("coupon_id") if status == 201
                                       else error_code(body)))
        assert all(len(answers_) == 1 for answers_ in replayed.values()), \
            [a for a in replayed.items() if len(a[1]) > 1][:3]

    def _check_stock(self):
        """Stock against the coupons stored: every unit taken is a coupon or came back, and the
        campaign's ``issued`` figure (a counter, plumbing/derived.py, which the sweep finishes
        for a process killed half-way through a batch) counts each coupon once."""
        client, operator = self.client, self.operator

        def stock_and_coupons():
            held = {sub: {c["coupon_id"]: c["code"]
                          for c in my_coupons(client, self.tokens[sub], self.campaign_id)}
                    for sub in self.consumers}
            return stats(client, operator, self.campaign_id), held

        def settled(found):
            figures_, held_ = found
            stored_ = sum(len(c) for c in held_.values())
            return figures_["issued"] == stored_ and figures_["remaining"] + stored_ == STOCK

        figures, held = poll(stock_and_coupons, settled, seconds=40, interval=1)
        stored = sum(len(c) for c in held.values())
        assert figures["issued"] + figures["remaining"] == STOCK, (figures, stored)
        assert figures["issued"] == stored, (figures, stored)
        assert max(len(c) for c in held.values()) <= LIMIT
        wins = defaultdict(dict)  # sub -> {coupon_id: code} of every 201 seen, replays included
        for (sub, _), status, body, _, _ in self.seen:
            if status == 201:
                assert wins[sub].setdefault(body["coupon_id"], body["code"]) == body["code"]
        for sub, coupons in wins.items():  # every 201 a client saw is a stored coupon of theirs
            assert coupons.items() <= held[sub].items(), sub
        return {**figures, "stored": stored}
