"""The bench's scenarios, each through the public API of a running system: certified units, the
claim rush with its invariants, the sign-ups to a ballot, redemption at the till, and complaint
to merchant inbox."""
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
from pymongo import MongoClient

from bench.measure import latency_figures, list_load, percentile
from devtools.demo import REVIEWERS, application, credit_code
from gateway.auth import issue_token
from gateway.settings import load_settings


def rfc3339(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    """A client of the gateway for setting scenarios up (one session per thread). Tokens are
    signed here with the gateway's development key (DEV_AUTH=1), as its dev-token route would:
    20,000 of them through HTTP would take longer than a rush."""

    def __init__(self, base):
        self.base = base
        self._local = threading.local()
        self._settings = load_settings()

    @property
    def session(self):
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session

    def token(self, **claims):
        return issue_token(self._settings, claims)

    def tokens(self, subs, **claims):
        return {sub: self.token(sub=sub, **claims) for sub in subs}

    def call(self, method, path, token=None, expect=(200, 201), headers=None, **kwargs):
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        response = self.session.request(method, self.base + path, headers=headers, timeout=30,
                                        **kwargs)
        if response.status_code not in expect:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()


def outcomes_of(fired):
    return Counter(f"{r['status']} {r['error'] or ''}".strip() for r in fired)


def errors_5xx(outcomes):
    return sum(n for outcome, n in outcomes.items() if outcome[0] in "05")


# --- units ------------------------------------------------------------------------------------

def certified_units(api, count):
    """``count`` units applied for and certified through the API, in parallel:
    [(merchant_id, owner token, store code)]."""
    regulators = {stage: api.token(role="regulator", sub=f"bench-reg-{stage}", region=region,
                                   level=level) for stage, region, level in REVIEWERS}
    tag = f"{int(time.time()) % 100000:05d}"

    def certify(i):
        merchant_id = f"bench-m-{tag}-{i}"
        token = api.token(role="merchant", sub=f"{merchant_id}-owner", merchant_id=merchant_id)
        body = application(f"压测商户{i}", credit_code(f"91330106{tag}{i:04d}"))
        api.call("POST", "/api/v1/merchants", token, json=body)
        for stage in ("onsite", "county", "final"):
            merchant = api.call("POST", f"/api/v1/merchants/{merchant_id}/reviews",
                                regulators[stage],
                                json={"stage": stage, "decision": "pass", "notes": "bench"})
        return merchant_id, token, merchant["store_code"]  # the final review's answer

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(certify, range(count)))


def warm_up(urls):
    """Reads every page once, as the first scans of the day would."""
    def read(url):
        requests.get(url, timeout=30).raise_for_status()
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(read, urls))
    return {"pages_read": len(urls)}


# --- the claim rush -------------------------------------------------------------------------

def claim_rush(api, folder, stock, consumers, attempts, subs=None):
    """``attempts`` claims by ``consumers`` on a campaign of ``stock`` coupons, limit 1: every
    consumer tries once, then half the remaining attempts retry an earlier try with its key and
    the other half are new tries (new keys) by consumers who already tried. The consumers are
    ``subs`` (those of an earlier rush), or new ones."""
    operator, campaign_id = active_campaign(api, stock)
    subs = subs or [f"bench-c-{uuid.uuid4().hex[:6]}-{i}" for i in range(consumers)]
    tokens = consumer_tokens(api, subs)

    rng = random.Random(8)
    first = [{"id": [sub, uuid.uuid4().hex], "sub": sub} for sub in subs]
    retries = [dict(attempt) for attempt in rng.sample(first, (attempts - consumers) // 2)]
    extra = [{"id": [sub, uuid.uuid4().hex], "sub": sub}
             for sub in rng.sample(subs, attempts - consumers - len(retries))]
    rng.shuffle(first)
    second = retries + extra
    rng.shuffle(second)
    url = f"{api.base}/api/v1/campaigns/{campaign_id}/claims"
    plan = [{**a, "url": url, "token": tokens[a["sub"]], "key": a["id"][1], "json": {}}
            for a in first + second]
    elapsed, fired, load_cpu = list_load(plan, folder, keep=("coupon_id", "code"))

    stats = api.call("GET", f"/api/v1/campaigns/{campaign_id}/stats", operator)
    won = defaultdict(dict)  # consumer -> {coupon_id: code}
    for r in fired:
        if r["status"] == 201:
            won[r["id"][0]][r["answer"]["coupon_id"]] = r["answer"]["code"]
    coupons = {c: code for held in won.values() for c, code in held.items()}
    latencies = [r["latency_ms"] for r in fired]
    outcomes = outcomes_of(fired)
    return {
        "figures": {"claim_attempts_rps": round(len(fired) / elapsed, 1),
                    "claim_success_rps": round(len(coupons) / elapsed, 1),
                    **latency_figures("claim", latencies),
                    "claim_rush_seconds": round(elapsed, 2)},
        "invariants": {"issued": stats.get("issued"), "stock": stock,
                       "remaining": stats.get("remaining"),
                       "over_limit": sum(1 for held in won.values() if len(held) > 1),
                       "lost_claims": abs((stats.get("issued") or 0) - len(coupons)),
                       "retry_mismatches": _retry_mismatches(fired),
                       "errors_5xx": errors_5xx(outcomes)},
        "outcomes": dict(outcomes), "load_cpu_seconds": load_cpu,
        "coupon_codes": list(coupons.values()), "campaign_id": campaign_id, "subs": subs,
    }


def active_campaign(api, stock, **fields):
    """(operator token, id) of a voucher campaign taking claims (or sign-ups) for an hour."""
    operator = api.token(role="operator", sub="bench-operator")
    now = datetime.now(UTC)
    body = {"name": f"压测活动-{uuid.uuid4().hex[:6]}", "kind": "voucher", "face_value_fen": 1000,
            "min_spend_fen": 0, "total_quantity": stock, "per_consumer_limit": 1,
            "claim_starts_at": rfc3339(now - timedelta(seconds=60)),
            "claim_ends_at": rfc3339(now + timedelta(hours=1)), "valid_days": 30,
            "eligibility": {"regions": ["330100"]}, "funding": "市财政消费券资金", **fields}
    campaign_id = api.call("POST", "/api/v1/campaigns", operator, json=body)["campaign_id"]
    api.call("POST", f"/api/v1/campaigns/{campaign_id}/activate", operator, json={})
    return operator, campaign_id


def consumer_tokens(api, subs):
    started = time.monotonic()
    tokens = api.tokens(subs, role="consumer")
    print(f"  {len(subs)} consumer tokens in {time.monotonic() - started:.1f} s", flush=True)
    return tokens


def signup_rush(api, folder, stock, attempts, subs):
    """``attempts`` sign-ups to a ballot of ``stock`` coupons by ``subs``: each consumer signs
    up once, the other attempts repeat an earlier one's (a consumer pressing again), in a
    random order."""
    _, campaign_id = active_campaign(api, stock, allocation="ballot")
    tokens = consumer_tokens(api, subs)
    rng = random.Random(9)
    plan = [{"id": [sub], "sub": sub} for sub in subs]
    plan += [dict(rng.choice(plan)) for _ in range(attempts - len(subs))]
    rng.shuffle(plan)
    url = f"{api.base}/api/v1/campaigns/{campaign_id}/signups"
    plan = [{**a, "url": url, "token": tokens[a["sub"]], "json": {}} for a in plan]
    elapsed, fired, load_cpu = list_load(plan, folder, keep=("signup_id",))
    ids = defaultdict(set)
    for r in fired:
        ids[r["id"][0]].add(r["answer"].get("signup_id"))
    outcomes = outcomes_of(fired)
    return {
        "figures": {"signup_attempts_rps": round(len(fired) / elapsed, 1),
                    **latency_figures("signup", [r["latency_ms"] for r in fired]),
                    "signup_rush_seconds": round(elapsed, 2)},
        "invariants": {"signed_up": sum(1 for found in ids.values() if None not in found),
                       "consumers": len(subs),
                       "repeat_mismatches": sum(1 for found in ids.values() if len(found) > 1),
                       "errors_5xx": errors_5xx(outcomes)},
        "outcomes": dict(outcomes), "load_cpu_seconds": load_cpu,
    }


def _retry_mismatches(fired):
    """Attempts whose retries (same consumer, same key) got another answer than the first."""
    answers = defaultdict(list)
    for r in fired:
        answers[tuple(r["id"])].append((r["status"], r["error"], r["answer"].get("coupon_id")))
    return sum(1 for seen in answers.values() if any(s != seen[0] for s in seen[1:]))


# --- redemption at the till ----------------------------------------------------------------

def redemptions(api, folder, codes, units):
    """Each coupon code redeemed once, at units taken in turn; every one must succeed."""
    plan = [{"id": code, "url": f"{api.base}/api/v1/redemptions", "token": units[i % len(units)][1],
             "key": uuid.uuid4().hex, "json": {"code": code, "order_amount_fen": 5000}}
            for i, code in enumerate(codes)]
    elapsed, fired, load_cpu = list_load(plan, folder)
    outcomes = outcomes_of(fired)
    return {"figures": {"redeem_rps": round(len(fired) / elapsed, 1),
                        **latency_figures("redeem", [r["latency_ms"] for r in fired])},
            "invariants": {"redeemed": outcomes.get("201", 0), "redemptions": len(plan),
                           "errors_5xx": errors_5xx(outcomes)},
            "outcomes": dict(outcomes), "load_cpu_seconds": load_cpu}


# --- complaint to the merchant's inbox ------------------------------------------------------

def complaints_to_inbox(api, folder, units, rate, mongo_uri, notifications_db, wait=60):
    """One complaint per unit at ``rate`` per second, each by a consumer of its own; then the
    time from each 201 to the merchant's inbox message (as the notifications store dated it)."""
    subs = [f"bench-p-{uuid.uuid4().hex[:6]}-{i}" for i in range(len(units))]
    tokens = api.tokens(subs, role="consumer")
    plan = [{"id": merchant_id, "url": f"{api.base}/api/v1/complaints", "token": tokens[sub],
             "json": {"category": "quality", "title": "压测投诉", "description": "商品与描述不符",
                      "amount_fen": 2500, "occurred_on": "2026-11-01", "evidence_urls": [],
                      "contact_phone": "13900000000", "public_consent": False,
                      "merchant_id": merchant_id}}
            for (merchant_id, _, _), sub in zip(units, subs)]
    elapsed, fired, load_cpu = list_load(plan, folder, rate=rate)
    answered = {r["id"]: r["answered_at"] for r in fired if r["status"] == 201}
    arrived = _inbox_arrivals(mongo_uri, notifications_db, set(answered), wait)
    delays = [(arrived[m] - answered[m]) * 1000 for m in answered if m in arrived]
    outcomes = outcomes_of(fired)
    return {"figures": {"complaint_rate_per_s": round(len(fired) / elapsed, 1),
                        **latency_figures("complaint_to_inbox", delays),
                        "complaint_201_p99_ms": percentile([r["latency_ms"] for r in fired], 99)},
            "invariants": {"filed": len(answered), "complaints": len(plan),
                           "in_inbox": len(delays), "errors_5xx": errors_5xx(outcomes)},
            "outcomes": dict(outcomes), "load_cpu_seconds": load_cpu}


def _inbox_arrivals(mongo_uri, database, merchant_ids, wait):
    """merchant_id -> when its complaint_forwarded inbox message was stored (epoch seconds)."""
    deadline, arrivals = time.monotonic() + wait, {}
    with MongoClient(mongo_uri) as client:
        messages = client[database]["messages"]
        while len(arrivals) < len(merchant_ids) and time.monotonic() < deadline:
            for message in messages.find({"event_type": "complaint_forwarded"},
                                         {"recipient": 1, "created_at": 1}):
                merchant_id = message["recipient"].split(":", 1)[1]
                if merchant_id in merchant_ids:
                    arrivals[merchant_id] = datetime.fromisoformat(
                        message["created_at"].replace("Z", "+00:00")).timestamp()
            time.sleep(0.5)
    return arrivals
