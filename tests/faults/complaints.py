"""A stream of complaints filed while faults run, and what must hold afterwards: every 201 a
consumer saw is a stored complaint of theirs (a 409 DUPLICATE_COMPLAINT only for one that
exists), no 5xx but 503, every 503 quick, no hang; each complaint tells its merchant once in the
inbox and, with providers, once by SMS, and nothing more arrives later; the store page every
gateway serves counts the complaints (a page it kept was dropped by their events)."""
import contextlib
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from devtools.waiting import poll
from tests.e2e.coupon_steps import pages, unique
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import filing
from tests.faults.faults import check_every_try, error_code, send, start_thread, until_answered

SHOPS, WORKERS, AT_MOST = 3, 4, 1000
PAUSE_SECONDS = (0.2, 0.8)  # between one consumer's filing and the next: a stream, not a rush
COMPLAINT_ID = re.compile(r"[0-9a-f]{32}")
OUTCOMES = {(201, None), (409, "DUPLICATE_COMPLAINT")}


class ComplaintStream:
    """New consumers filing one complaint each against ``SHOPS`` shops, ``WORKERS`` at a time,
    for as long as ``alongside()`` lasts (at least ``at_least`` complaints). With ``providers``
    (tests.e2e.conftest.Providers) the merchants gave a phone, so each complaint is also an SMS."""

    def __init__(self, client, merchants, providers=None, at_least=20):
        self.client, self.providers, self.at_least = client, providers, at_least
        self.shops = []  # (merchant id, merchant token, store code, phone)
        for n in range(SHOPS):
            merchant_id, token, _ = certify(client, merchants)
            phone = f"139{time.time_ns() % 10**6:06d}{n:02d}"
            if providers is not None:
                saved = client.put("/api/v1/me/preferences", token,
                                   json={"contacts": {"phone": phone}})
                assert saved.status_code == 200, saved.text
            code = client.get(f"/api/v1/merchants/{merchant_id}", token).json()["store_code"]
            self.shops.append((merchant_id, token, code, phone))
        self.url = f"{client.base_url}/api/v1/complaints"
        self.seen, self.answered, self.tokens = [], {}, {}
        self._lock, self._local = threading.Lock(), threading.local()

    def _file(self, n):
        time.sleep(random.uniform(*PAUSE_SECONDS))
        session = getattr(self._local, "session", None) or requests.Session()
        self._local.session = session
        sub, merchant_id = unique("fault-complainant"), self.shops[n % SHOPS][0]
        token = self.client.token(role="consumer", sub=sub)
        item = (sub, merchant_id)

        def record(status, body, seconds, at):
            with self._lock:
                self.seen.append((item, status, body, seconds, at))

        answer = until_answered(lambda: send(session, "POST", self.url, token,
                                             json=filing(merchant_id)), record)
        with self._lock:
            self.tokens[sub] = token
            self.answered[item] = answer

    @contextlib.contextmanager
    def alongside(self):
        """Files complaints while the body of the ``with`` runs."""
        stop = threading.Event()

        def keep_filing():
            with ThreadPoolExecutor(WORKERS) as pool:
                count = 0
                while count < AT_MOST and (count < self.at_least or not stop.is_set()):
                    list(pool.map(self._file, range(count, count + WORKERS)))
                    count += WORKERS

        filer = start_thread(keep_filing)
        try:
            yield self
        finally:
            stop.set()
            filer.join(300)
            assert not filer.is_alive(), "the complaint stream hung"

    def view_pages(self, gateway_urls):
        """Every shop's page read through each gateway (which then keeps it)."""
        return {(url, code): requests.get(f"{url}/api/v1/public/stores/{code}", timeout=10)
                .json().get("complaints", {}).get("total", 0)
                for url in gateway_urls for _, _, code, _ in self.shops}

    def check(self, outages, refusal_allowed=lambda down: False, gateway_urls=()):
        check_every_try(self.seen, outages, refusal_allowed)
        # a 503 may hide a complaint that was stored: its retry hears DUPLICATE_COMPLAINT
        outcomes = Counter((status, error_code(body)) for status, body in self.answered.values())
        assert set(outcomes) <= OUTCOMES, outcomes
        filed = self._check_kept()
        for shop in self.shops:
            self._check_told(shop, filed)
        if gateway_urls:
            self._check_pages(gateway_urls)
        return outcomes

    def _check_kept(self):
        """Every 201 a stored complaint of its consumer's; every 409 said of one that exists."""
        client, filed = self.client, {}
        for (sub, merchant_id), (status, body) in self.answered.items():
            token = self.tokens[sub]
            if status == 409:
                mine = pages(client, "/api/v1/complaints", token)
                assert [c["merchant_id"] for c in mine] == [merchant_id], (sub, mine)
                continue
            kept = client.get(f"/api/v1/complaints/{body['complaint_id']}", token)
            assert kept.status_code == 200, (body, kept.text)
            assert kept.json()["merchant_id"] == merchant_id
            filed[body["complaint_id"]] = merchant_id
        return filed

    def _check_told(self, shop, filed):
        """The merchant heard of each of its complaints once per channel, and of nothing more
        a moment later."""
        merchant_id, token, _, phone = shop
        stored = {c["complaint_id"] for c in pages(self.client, "/api/v1/complaints", token)}
        assert {c for c, m in filed.items() if m == merchant_id} <= stored

        def told():
            inbox = Counter(found for m in pages(self.client, "/api/v1/me/notifications", token)
                            if m["event_type"] == "complaint_forwarded"
                            for found in COMPLAINT_ID.findall(m["body"]) if found in stored)
            sms = Counter() if self.providers is None else Counter(
                found for r in self.providers.received(channel="sms", to=phone)
                if r["status"] == 200 for found in COMPLAINT_ID.findall(r["payload"]["text"])
                if found in stored)
            return inbox, sms

        def complete(counts):
            return all(set(c) == stored for c in counts[:1 if self.providers is None else 2])

        counts = poll(told, complete, seconds=60, interval=0.5)
        assert complete(counts), (merchant_id, [stored - set(c) for c in counts])
        assert all(set(c.values()) <= {1} for c in counts), counts
        time.sleep(1.5)  # a further pass of every relay and retry: nothing more arrives
        assert told() == counts

    def _check_pages(self, gateway_urls):
        """Each gateway's page of each shop counts the shop's complaints."""
        totals = {code: len(pages(self.client, "/api/v1/complaints", token))
                  for _, token, code, _ in self.shops}
        expected = {(url, code): totals[code] for url in gateway_urls for code in totals}
        shown = poll(lambda: self.view_pages(gateway_urls), lambda found: found == expected,
                     seconds=15, interval=0.5)
        assert shown == expected
