"""``make bench-scale``: a whole province's programme in the stores, and what every route and
schedule costs at that size beside what it costs on a nearly empty store, in the same run.

1. The system starts as ``make run`` starts it (``devtools.stack``), on free ports, in databases
   and a RabbitMQ vhost of its own; a small world is made through the API.
2. Every route of ``bench.scale_routes`` is timed on it (``BENCH_SCALE_CALLS`` calls each, one
   after the other, after one to warm up).
3. The programme (``bench.programme``, sized by ``BENCH_SCALE``) is stored in bulk through the
   services' store code (``bench.loader``), while the system runs.
4. The routes are timed again; one pass of every schedule is run over RPC, with the CPU it cost
   its service and the store, first with what is due and then with nothing due; the system
   idles for ``BENCH_IDLE_SECONDS`` with every process's CPU measured; a spot check is drawn
   over a city; a warning is published to the whole province and its fan-out timed, throttle
   checked; the settlement CSV of the 100,000-coupon campaign is streamed; every process's
   resident memory is read.
5. ``bench/results/scale-latest.json`` (and a dated copy) gets it all, with each target of
   issue 16 met or not.
"""
import plumbing.green  # noqa: F401, I001 (first: nameko's standalone RPC proxy runs schedules)

import json
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta

import requests
from nameko.standalone.rpc import ServiceRpcProxy
from pymongo import MongoClient

from bench import scenarios
from bench.loader import Loader
from bench.measure import RESULTS, CpuMeter, bench_system, cpu_seconds, machine, memory_mb
from bench.programme import Programme, Sizes, now_utc
from bench.scale_routes import READS, WRITES, Handles, new_application
from devtools.broker import messages_in
from devtools.waiting import poll
from plumbing.config import database_name

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
CALLS = int(os.environ.get("BENCH_SCALE_CALLS", "100"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "60"))
SCHEDULES = {"complaints": ("watch_deadlines", "find_hotspots"), "registry": ("scan",),
             "coupons": ("keep_time", "reconcile_stock"), "notifications": ("retry_deliveries",)}
# the default intervals of those schedules (docs/configuration.md)
INTERVALS = {"watch_deadlines": 60, "find_hotspots": 300, "scan": 60, "keep_time": 30,
             "reconcile_stock": 30, "retry_deliveries": 5}
PAGE = 25  # more than a page of 20 of every list the small world fills
SMALL_WORLD_UNITS = 110 + 2 * PAGE  # a page of 100 in the county, and the red and black lists
TARGETS = {"route_p99_ms": 300, "route_p99_vs_empty": 3.0, "idle_schedule_core_pct": 5.0,
           "settlement_seconds": 10, "warning_seconds": 600, "process_mb": 150}
# the bench's clients share 127.0.0.1, and one consumer files a page of complaints
UNTHROTTLED = {"RATE_LIMIT_CLAIMS_PER_IP": "off", "RATE_LIMIT_PUBLIC_PER_IP": "off",
               "RATE_LIMIT_COMPLAINTS_PER_IP": "off",
               "RATE_LIMIT_COMPLAINTS_PER_CONSUMER": "off"}
CATEGORIES = ["quality", "price", "short_weight", "false_advertising", "refund_refused",
              "service", "safety", "contract", "other"]


class ScaleBench:
    def __init__(self, stack, vhost, amqp):
        self.stack, self.vhost, self.amqp = stack, vhost, amqp
        self.api = scenarios.Api(stack.gateway_url)
        self.session = requests.Session()
        self.mongo = MongoClient(stack.env["MONGO_URI"])
        self.sizes = Sizes().scaled(SCALE)
        self.result = {"machine": machine(), "sizes": self.sizes.__dict__, "calls": CALLS,
                       "routes": {}, "schedules": {}, "idle_cpu_core_pct": {},
                       "memory_mb": {}, "targets": {}, "broken": []}

    # --- the two worlds ------------------------------------------------------------------------

    def small_world(self):
        """A few hundred documents made through the API, enough to fill every page the routes
        read (a page of 100 units, 20 complaints of a merchant, of a city in mediation, red
        and black lists, deliveries): the two phases then compare pages of the same sizes,
        and what differs is the size of the stores."""
        api = self.api
        units = scenarios.certified_units(api, SMALL_WORLD_UNITS)
        unit, owner, _ = units[0]
        county, city = "330106", "330100"
        api.call("PUT", "/api/v1/me/preferences", owner, json={
            "locale": "zh-CN", "region": None, "contacts": {"email": "shop@scale.test"},
            "opt_out": {}})
        pending = self._applications(county)
        busy, complaints = "scale-busy-consumer", self._complaints(units, unit, owner)
        self._lists(units, city)
        operator = api.token(role="operator", sub="scale-operator")
        voucher, codes, claimer = self._campaign_with_claims(operator, units)
        fresh = self._campaign(operator, stock=10 * CALLS)
        warning = self._warning(city)
        credit_codes = [api.call("GET", f"/api/v1/merchants/{m}", owner_token)["credit_code"]
                        for m, owner_token, _ in units[:50]]
        return Handles(
            api=api, county=county, city=city, seat=(120.13, 30.28), keyword="压测商户",
            unit=unit, store_codes=[code for _, _, code in units],
            complaint=complaints[0], busy_consumer=busy, pending_units=pending,
            credit_codes=credit_codes, voucher_campaign=voucher, claim_campaign=fresh,
            redeemable_codes=codes, redeeming_merchant=units[1][0],
            consumer_with_coupons=claimer, warning=warning)

    def _applications(self, county):
        pending = []
        for n in range(CALLS + 2):
            merchant_id = f"scale-pending-{n}"
            self.api.call("POST", "/api/v1/merchants", self.api.token(
                role="merchant", sub=f"{merchant_id}-owner", merchant_id=merchant_id),
                json=new_application(n, county))
            pending.append(merchant_id)
        return pending

    def _complaints(self, units, unit, owner):
        """Complaints against ``unit`` (a page of them) and a page of them in mediation; a
        consumer with a page of complaints against three units."""
        api, ids = self.api, []
        busy = api.token(role="consumer", sub="scale-busy-consumer")
        for n in range(PAGE):
            api.call("POST", "/api/v1/complaints", busy, json={
                "merchant_id": units[60 + n % 3][0], "category": CATEGORIES[n // 3 % 9],
                "title": "质量问题", "description": "买到的商品有问题", "amount_fen": 1000,
                "occurred_on": "2026-11-20", "evidence_urls": [],
                "contact_phone": "13912345678", "public_consent": True})
        for n in range(2 * PAGE):
            token = api.token(role="consumer", sub=f"scale-c-{n}")
            complaint = api.call("POST", "/api/v1/complaints", token, json={
                "merchant_id": unit, "category": ["quality", "price", "service"][n % 3],
                "title": "质量问题", "description": "买到的商品有问题", "amount_fen": 1000,
                "occurred_on": "2026-11-20", "evidence_urls": [],
                "contact_phone": "13912345678", "public_consent": True})
            ids.append(complaint["complaint_id"])
            if n >= PAGE:  # answered, the answer refused: in mediation
                path = f"/api/v1/complaints/{complaint['complaint_id']}"
                api.call("POST", f"{path}/responses", owner, json={
                    "proposal": "apology", "message": "抱歉"})
                api.call("POST", f"{path}/decision", token, json={"accept": False,
                                                                  "comment": "不满意"})
        return ids

    def _lists(self, units, city):
        """A page of the red list and one of the black list."""
        regulator = self.api.token(role="regulator", sub="scale-city", region=city,
                                   level="city")
        for n, (merchant_id, _, _) in enumerate(units[-2 * PAGE:]):
            self.api.call("POST", f"/api/v1/merchants/{merchant_id}/actions", regulator,
                          json={"action": "red_list" if n < PAGE else "black_list",
                                "reason": "规模测试"})

    def _campaign(self, operator, stock):
        body = {"name": "规模测试券", "kind": "voucher", "face_value_fen": 1000,
                "min_spend_fen": 5000, "total_quantity": stock, "per_consumer_limit": 1,
                "claim_starts_at": scenarios.rfc3339(now_utc() - timedelta(days=1)),
                "claim_ends_at": scenarios.rfc3339(now_utc() + timedelta(days=30)),
                "valid_days": 30,
                "eligibility": {"regions": ["330000"]}, "funding": "测试资金"}
        campaign = self.api.call("POST", "/api/v1/campaigns", operator, json=body)
        self.api.call("POST", f"/api/v1/campaigns/{campaign['campaign_id']}/activate", operator,
                      json={})
        return campaign["campaign_id"]

    def _campaign_with_claims(self, operator, units):
        """A campaign with a page of merchants that redeemed its coupons, and codes left."""
        campaign = self._campaign(operator, stock=2 * CALLS + 2 * PAGE)
        codes, claimer = [], None
        for n in range(2 * CALLS + 2 * PAGE):
            sub = f"scale-holder-{n}"
            coupon = self.api.call("POST", f"/api/v1/campaigns/{campaign}/claims",
                                   self.api.token(role="consumer", sub=sub), json={},
                                   headers={"Idempotency-Key": f"k{n}"})
            codes.append(coupon["code"])
            claimer = claimer or sub
        for n, code in enumerate(codes[:2 * PAGE]):
            merchant_id = units[2 + n % (2 * PAGE)][0]
            self.api.call("POST", "/api/v1/redemptions", self.api.token(
                role="merchant", sub=f"{merchant_id}-owner", merchant_id=merchant_id),
                json={"code": code, "order_amount_fen": 20_000})
        return campaign, codes[2 * PAGE:], claimer

    def _warning(self, region):
        regulator = self.api.token(role="regulator", sub="scale-city", region=region,
                                   level="city")
        draft = self.api.call("POST", "/api/v1/warnings", regulator, json={
            "title": "消费提示", "body": "谨慎预付", "region": region})
        self.api.call("POST", f"/api/v1/warnings/{draft['warning_id']}/publish", regulator)
        return draft["warning_id"]

    def full_world(self, world, small):
        """The handles of the loaded programme (writes reuse the small world's campaign)."""
        return Handles(
            api=self.api, county=world.county, city=world.city, seat=world.seat,
            keyword=world.keyword, unit=world.big_merchant, store_codes=world.store_codes,
            complaint=world.big_merchant_complaint,
            busy_consumer=world.busy_consumer, pending_units=list(world.pending_units),
            credit_codes=world.credit_codes, voucher_campaign=world.voucher_campaign,
            claim_campaign=small.claim_campaign, redeemable_codes=list(world.redeemable_codes),
            redeeming_merchant=world.redeeming_merchants[0],
            consumer_with_coupons=f"k{1:07d}", warning=small.warning)

    # --- routes --------------------------------------------------------------------------------

    def time_routes(self, handles, phase):
        for name, route in {**READS, **WRITES}.items():
            if name in WRITES and not self._enough_for_writes(handles, name):
                continue
            latencies, statuses, first_error = [], [], None
            for n in range(CALLS + 1):
                method, path, token, options = route(handles, n)
                headers = {**options.pop("headers", {}),
                           **({"Authorization": f"Bearer {token}"} if token else {})}
                started = time.perf_counter()
                response = self.session.request(method, self.stack.gateway_url + path,
                                                headers=headers, timeout=60, **options)
                elapsed = (time.perf_counter() - started) * 1000
                if n:  # the first call warms caches up
                    latencies.append(elapsed)
                    statuses.append(response.status_code)
                if response.status_code >= 400 and first_error is None:
                    first_error = f"{response.status_code} {response.text[:200]}"
            figures = {"p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99),
                       "errors": sum(1 for s in statuses if s >= 400)}
            if first_error:
                figures["first_error"] = first_error
            self.result["routes"].setdefault(name, {})[phase] = figures
            print(f"  {phase:<5} {name:<36} p50 {figures['p50_ms']:>8} p99 "
                  f"{figures['p99_ms']:>8}  errors {figures['errors']} {first_error or ''}",
                  flush=True)

    @staticmethod
    def _enough_for_writes(handles, name):
        needs = {"redeem": handles.redeemable_codes, "certification_review":
                 handles.pending_units}
        return name not in needs or len(needs[name]) > CALLS

    # --- schedules, idling, the big jobs ---------------------------------------------------

    def schedules(self):
        meter = CpuMeter(self.stack)
        config = {"AMQP_URI": self.amqp}
        for service, names in SCHEDULES.items():
            with ServiceRpcProxy(service, config, timeout=600) as proxy:
                for name in names:
                    for attempt in ("first", "nothing_due"):
                        spent = {}
                        started = time.monotonic()
                        with meter.during(spent):
                            ran = proxy.run_schedule(name)["ran"]
                        seconds = time.monotonic() - started
                        entry = self.result["schedules"].setdefault(name, {"service": service})
                        entry[attempt] = {"ran": ran, "seconds": round(seconds, 3),
                                          "service_cpu_s": spent.get(service),
                                          "store_cpu_s": spent.get("store")}
                    idle = entry["nothing_due"]
                    cost = (idle["service_cpu_s"] or 0) + (idle["store_cpu_s"] or 0)
                    entry["core_pct_at_default_interval"] = round(100 * cost /
                                                                  INTERVALS[name], 2)
                    print(f"  schedule {name:<18} {entry}", flush=True)

    def idle(self):
        pids = {name: process.pid for name, process in self.stack.processes.items()}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        time.sleep(IDLE_SECONDS)
        self.result["idle_cpu_core_pct"] = {
            name: round(100 * (cpu_seconds(pid) - before[name]) / IDLE_SECONDS, 2)
            for name, pid in pids.items()}
        print(f"  idle CPU (% of a core over {IDLE_SECONDS:.0f} s): "
              f"{self.result['idle_cpu_core_pct']}", flush=True)

    def spot_check(self, city):
        regulator = self.api.token(role="regulator", sub="scale-city", region=city, level="city")
        started = time.perf_counter()
        batch = self.api.call("POST", "/api/v1/spot-checks", regulator,
                              json={"region": city, "sample_size": 5})
        self.result["spot_check"] = {"ms": round((time.perf_counter() - started) * 1000, 1),
                                     "tasks": len(batch["items"])}
        print(f"  spot check over {city}: {self.result['spot_check']}", flush=True)

    def warning_to_the_province(self, world):
        regulator = self.api.token(role="regulator", sub="scale-province", region="330000",
                                   level="province")
        draft = self.api.call("POST", "/api/v1/warnings", regulator, json={
            "title": "全省消费提示", "body": "警惕预付卡风险", "region": "330000"})
        started = time.monotonic()
        self.api.call("POST", f"/api/v1/warnings/{draft['warning_id']}/publish", regulator)
        warning = poll(lambda: self.api.call("GET", f"/api/v1/warnings/{draft['warning_id']}",
                                             regulator), lambda w: w["fanout"] is not None,
                       seconds=TARGETS["warning_seconds"] * 2, interval=2)
        seconds = round(time.monotonic() - started, 1)
        fanout = warning["fanout"] or {}
        messages = self.mongo[database_name("notifications")]["messages"]
        got_one = [sub for sub in world.consumers_at_limit if messages.find_one(
            {"recipient": f"user:{sub}", "warning_id": draft["warning_id"]}, {"_id": 1})]
        self.result["warning"] = {"seconds": seconds, **fanout,
                                  "throttled_consumers_reached": len(got_one)}
        if got_one or fanout.get("throttled", 0) < len(world.consumers_at_limit):
            self.result["broken"].append("warning throttle")
        if fanout.get("delivered", 0) + fanout.get("throttled", 0) != fanout.get("audience"):
            self.result["broken"].append("warning figures")
        print(f"  warning to the province: {self.result['warning']}", flush=True)

    def settlement(self, campaign_id):
        operator = self.api.token(role="operator", sub="scale-operator")
        before = memory_mb(self.stack)["gateway"]
        started, rows, size = time.monotonic(), 0, 0
        with self.session.get(f"{self.stack.gateway_url}/api/v1/campaigns/{campaign_id}/"
                              "settlement.csv", headers={"Authorization": f"Bearer {operator}"},
                              stream=True, timeout=120) as response:
            for line in response.iter_lines():
                rows, size = rows + 1, size + len(line)
        after = memory_mb(self.stack)["gateway"]
        self.result["settlement"] = {"seconds": round(time.monotonic() - started, 2),
                                     "rows": rows, "bytes": size, "gateway_mb_before": before,
                                     "gateway_mb_after": after}
        print(f"  settlement CSV: {self.result['settlement']}", flush=True)

    def settle(self):
        if self.vhost:
            poll(lambda: messages_in(self.vhost), lambda n: n == 0, seconds=900, interval=2)

    # --- the run -------------------------------------------------------------------------------

    def run(self):
        print("a small world through the API ...", flush=True)
        small = self.small_world()
        self.settle()
        print("timing the routes on it ...", flush=True)
        self.time_routes(small, "empty")
        print(f"loading the programme ({self.sizes}) ...", flush=True)
        started = time.monotonic()
        loader = Loader(self.mongo)
        world = loader.load(Programme(self.sizes, now_utc()))
        self.result["load"] = {"seconds": round(time.monotonic() - started, 1),
                               "steps": loader.seconds, "documents": world.counts}
        self.settle()
        print("timing the routes at full size ...", flush=True)
        self.time_routes(self.full_world(world, small), "full")
        print("schedules ...", flush=True)
        self.schedules()
        self.idle()
        self.spot_check(world.city)
        self.settlement(world.voucher_campaign)
        self.warning_to_the_province(world)
        self.result["memory_mb"] = memory_mb(self.stack)
        self.judge()

    def judge(self):
        targets, routes = self.result["targets"], self.result["routes"]
        slow = {name: figures["full"]["p99_ms"] for name, figures in routes.items()
                if "full" in figures and figures["full"]["p99_ms"] > TARGETS["route_p99_ms"]}
        grew = {name: round(f["full"]["p99_ms"] / f["empty"]["p99_ms"], 2)
                for name, f in routes.items() if "full" in f and "empty" in f
                and f["full"]["p99_ms"] > TARGETS["route_p99_vs_empty"] * max(
                    f["empty"]["p99_ms"], 1)}
        errors = {name: f["full"]["errors"] for name, f in routes.items()
                  if "full" in f and f["full"]["errors"]}
        costly = {name: s["core_pct_at_default_interval"] for name, s in
                  self.result["schedules"].items()
                  if s["core_pct_at_default_interval"] >= TARGETS["idle_schedule_core_pct"]}
        big = {name: mb for name, mb in self.result["memory_mb"].items()
               if name != "store" and mb and mb > TARGETS["process_mb"]}
        settlement, warning = self.result["settlement"], self.result["warning"]
        targets.update({
            "routes_p99_within_300_ms": slow or True,
            "routes_p99_within_3x_empty": grew or True,
            "routes_without_errors": errors or True,
            "schedules_with_nothing_due_under_5pct": costly or True,
            "settlement_under_10_s": settlement["seconds"] <= TARGETS["settlement_seconds"],
            "warning_within_10_min": warning["seconds"] <= TARGETS["warning_seconds"],
            "processes_under_150_mb": big or True})
        if errors:
            self.result["broken"].append("route errors")


def _percentile(values, p):
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1) if values \
        else None


def main():
    started, bench = time.monotonic(), None
    with bench_system("scale", UNTHROTTLED) as (stack, folder, vhost, amqp):
        bench = ScaleBench(stack, vhost, amqp)
        try:
            bench.run()
        except Exception as exc:  # noqa: BLE001  (what was measured is written all the same)
            bench.result["broken"].append(f"the bench failed: {exc!r}"[:500])
            raise
        finally:
            write(bench.result)
    bench.result["bench_seconds"] = round(time.monotonic() - started, 1)
    write(bench.result)
    print(table(bench.result), flush=True)
    if bench.result["broken"]:
        print(f"BROKEN: {bench.result['broken']}; logs in {stack.logs_dir}", file=sys.stderr)
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    return 0


def table(result):
    """The run as Markdown tables: each route's p50/p99 on the small world and at full size
    with their ratio, each schedule's pass, the big jobs, memory and the targets."""
    lines = ["| route | small world p50 / p99 ms | full size p50 / p99 ms | p99 × |",
             "|---|---|---|---|"]
    for name, phases in result["routes"].items():
        empty, full = phases.get("empty", {}), phases.get("full", {})
        times = full.get("p99_ms") / empty["p99_ms"] if full and empty.get("p99_ms") else None
        lines.append(f"| {name} | {empty.get('p50_ms')} / {empty.get('p99_ms')} | "
                     f"{full.get('p50_ms')} / {full.get('p99_ms')} | "
                     f"{round(times, 2) if times else ''} |")
    lines += ["", "| schedule | first pass s (CPU s: service, store) | nothing due s (CPU s) | "
                  "% of a core at its interval |", "|---|---|---|---|"]
    for name, entry in result["schedules"].items():
        first, idle = entry["first"], entry["nothing_due"]
        lines.append(f"| {name} | {first['seconds']} ({first['service_cpu_s']}, "
                     f"{first['store_cpu_s']}) | {idle['seconds']} ({idle['service_cpu_s']}, "
                     f"{idle['store_cpu_s']}) | {entry['core_pct_at_default_interval']} |")
    lines += ["", f"load: {result.get('load')}", f"idle CPU % of a core: "
              f"{result.get('idle_cpu_core_pct')}", f"spot check: {result.get('spot_check')}",
              f"warning: {result.get('warning')}", f"settlement: {result.get('settlement')}",
              f"memory MB: {result.get('memory_mb')}", f"targets: {result.get('targets')}",
              f"broken: {result.get('broken')}"]
    return "\n".join(lines)


def write(result):
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False, default=str)
    (RESULTS / "scale-latest.json").write_text(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"scale-{stamp}.json").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
