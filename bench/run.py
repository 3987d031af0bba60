"""``make bench``: the whole system started locally (real broker, store, services, gateway), the
load from separate processes (``bench.load``), every figure beside baselines of the same run.

Machines here are noisy, so the two baselines (``/healthz``: the HTTP ceiling; ``/echoz/coupons``:
one RPC to a service that does no I/O, the bus ceiling) are measured before and after each
group of scenarios, and each scenario is compared with the mean of the pair around it.
Writes bench/results/latest.json and a dated copy and prints a table; a broken invariant
exits 1, whatever the speed.

Last, the scale-out step (``scale_out``) runs the claim rush again on two freshly started
systems, back to back: one gateway and one coupons process, then two gateways behind the
balancer and two coupons replicas; what each process spends per attempt is the input of
docs/capacity.md."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from pymongo import MongoClient  # noqa: E402

from bench import scenarios  # noqa: E402
from bench.measure import (  # noqa: E402
    RESULTS,
    CpuMeter,
    Profiles,
    bench_system,
    broker_traffic,
    interleaved_load,
    machine,
    memory_mb,
    ratio,
    timed_load,
)
from devtools.broker import messages_in  # noqa: E402
from devtools.stack import PROCESSES  # noqa: E402
from devtools.waiting import poll  # noqa: E402

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
# the sizes; BENCH_SCALE=0.1 runs a tenth of each, for trying changes quickly
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
STOCK, CONSUMERS, ATTEMPTS, UNITS = (max(1, int(n * SCALE)) for n in (5000, 10_000, 20_000, 1000))
DRAW_SIGNUPS, DRAW_COUPONS = (max(1, int(n * SCALE)) for n in (1_000_000, 100_000))
REDEMPTIONS = max(1, int(1000 * SCALE))  # the issue names no count: 1,000 give steady figures
COMPLAINTS_PER_SECOND = 50
# BENCH_ONLY=claims or =complaints runs that group alone (with the baselines around it), for
# trying a change; such a run checks only its own invariants; =scaleout runs the scale-out step
# alone (no baselines: its ratio is between its own two systems); =scale runs ``make bench-scale``
ONLY = os.environ.get("BENCH_ONLY", "all")
MEMORY_BUDGET_MB, GROWTH_BUDGET_PCT = 150, 5  # DESIGN.md "Benchmark output"
# the load's 32 clients all call from 127.0.0.1: per-address limits would throttle them
# (per-consumer limits stay at their defaults: nobody claims more than 3 times)
UNTHROTTLED = {"RATE_LIMIT_CLAIMS_PER_IP": "off", "RATE_LIMIT_PUBLIC_PER_IP": "off",
               "RATE_LIMIT_COMPLAINTS_PER_IP": "off"}
# the 1,000 pages are composed within seconds of each other, so they would also expire together,
# in the middle of a measurement (steady traffic recomposes a page now and then, never all at
# once): the bench keeps them long enough to measure both formats on one composition
PAGES_KEPT = {"STORE_PAGE_CACHE_SECONDS": "120"}
# the scale-out step's two systems: one of every process, then two gateways (behind the
# balancer) and two coupons replicas, the other processes still one each
SINGLE = dict.fromkeys(PROCESSES, 1)
LAYOUTS = {"single": SINGLE, "scaled": {**SINGLE, "gateway": 2, "coupons": 2}}


def new_result():
    return {"machine": machine(), "sizes": {
        "stock": STOCK, "consumers": CONSUMERS, "attempts": ATTEMPTS, "units": UNITS,
        "redemptions": REDEMPTIONS, "complaints_per_second": COMPLAINTS_PER_SECOND,
        "seconds_per_timed_scenario": SECONDS},
        "baselines": {}, "figures": {}, "ratios": {}, "invariants": {}, "outcomes": {},
        "cpu_seconds": {}, "step_seconds": {}, "memory_mb": {}}


class Bench:
    def __init__(self, stack, folder, vhost, result):
        self.stack, self.folder, self.vhost = stack, folder, vhost
        self.gateway = stack.gateway_url
        self.api = scenarios.Api(stack.gateway_url)
        self.cpu, self.profiles = CpuMeter(stack), Profiles(stack)
        self.result = result

    def step(self, name, scenario, drained=False):
        """Runs ``scenario()`` once the system is idle, with its CPU seconds per process and
        (BENCH_PROFILE=1) profiles; ``drained``: those of the events it left queued too."""
        self.settle()
        print(f"{name} ...", flush=True)
        into = self.result["cpu_seconds"].setdefault(name, {})
        started = time.monotonic()
        with self.cpu.during(into), self.profiles.during(name):
            outcome = scenario()
            if drained:
                self.settle()
        self.result["step_seconds"][name] = round(time.monotonic() - started, 1)
        into["load"] = outcome.pop("load_cpu_seconds", None)
        return outcome

    def settle(self):
        """Waits until the events of the setup have been handled (no message left in the
        bench's vhost), so that a scenario is not measured against their backlog."""
        if self.vhost:
            poll(lambda: messages_in(self.vhost), lambda n: n == 0, seconds=120, interval=1)

    def store_pages(self, codes):
        """Every page read once as JSON and as HTML (the first scans of the day), then each
        format measured against /healthz while the gateway keeps them (``PAGES_KEPT``)."""
        json_urls = [f"{self.gateway}/api/v1/public/stores/{c}" for c in codes]
        html_urls = [f"{self.gateway}/s/{c}" for c in codes]
        self.step("store_page_first_scans", lambda: scenarios.warm_up(json_urls + html_urls))
        self.interleaved("store_page", json_urls)
        self.interleaved("store_page_html", html_urls)

    def interleaved(self, name, urls):
        """``urls`` and ``/healthz`` in alternating one-second slices of one run: figures
        ``<name>_rps``, ``_p99_ms``, ``_errors``, ``_healthz_rps`` and the ratio
        ``<name>_vs_healthz``."""
        outcome = self.step(name, lambda: interleaved_load(
            [f"{self.gateway}/healthz"], urls, 2 * SECONDS, self.folder))
        measured, healthz = outcome["scenario"], outcome["baseline"]
        self.result["figures"].update({
            f"{name}_rps": measured["rps"], f"{name}_p99_ms": measured["p99_ms"],
            f"{name}_errors": measured["errors"], f"{name}_healthz_rps": healthz["rps"]})
        self.result["ratios"][f"{name}_vs_healthz"] = outcome["ratio"]

    def timed(self, name, urls):
        return self.step(name, lambda: timed_load(
            {"mode": "duration", "urls": urls, "seconds": SECONDS}, self.folder))

    def baselines(self, point):
        healthz = self.timed(f"healthz_{point}", [f"{self.gateway}/healthz"])
        echo = self.timed(f"echo_{point}", [f"{self.gateway}/echoz/coupons"])
        self.result["baselines"][point] = {"healthz_rps": healthz["rps"],
                                           "healthz_p99_ms": healthz["p99_ms"],
                                           "echo_rpc_rps": echo["rps"],
                                           "echo_rpc_p99_ms": echo["p99_ms"]}

    def around(self, before, after, name):
        """The mean of a baseline measured before and after a group of scenarios."""
        baselines = self.result["baselines"]
        pair = [baselines[p][name] if p in baselines else None for p in (before, after)]
        return sum(pair) / 2 if all(pair) else None

    def store_baseline(self):
        """The store's own rate of the conditional find_one_and_update a claim makes."""
        database = f"{self.stack.env['MONGO_DB_PREFIX']}bench_fam"
        with MongoClient(self.stack.env["MONGO_URI"]) as client:
            client[database]["counters"].insert_one({"_id": "stock", "stock": 10**9})
        fam = self.step("store_fam", lambda: timed_load(
            {"mode": "fam", "mongo_uri": self.stack.env["MONGO_URI"], "database": database,
             "doc_id": "stock", "seconds": SECONDS}, self.folder))
        self.result["figures"].update(store_fam_ops=fam["rps"], store_fam_p99_ms=fam["p99_ms"])

    def record(self, name, outcome):
        self.result["figures"].update(outcome["figures"])
        self.result["invariants"][name] = outcome["invariants"]
        self.result["outcomes"][name] = outcome["outcomes"]

    def run(self):
        self.baselines("start")
        if ONLY in ("all", "claims"):
            self.claims()
        if ONLY in ("all", "complaints"):
            self.units_and_complaints()
        self.result["figures"].update(self.baseline_means())
        self.result["ratios"].update(self.ratios())

    def claims(self):
        self.store_baseline()
        self.rush("claims")
        memory = self.result["memory_mb"]
        memory.update(memory_mb(self.stack))
        self.baselines("after_claims")
        # the same consumers rush the next campaign: what the first rush left behind shows
        # here, not the rate limiter's counters of 10,000 more consumers (docs/known-limits.md)
        self.rush("second_rush", self.rush_subs)
        after_second = memory_mb(self.stack)
        memory.update({f"{name}_growth_second_rush_pct": growth(memory[name], size)
                       for name, size in after_second.items()})
        self.signups()
        self.draw()

    def signups(self):
        """The same consumers sign up for a ballot: a sign-up should cost no more than a
        claim (``signup_vs_claim``)."""
        rush = self.step("signups", lambda: scenarios.signup_rush(
            self.api, self.folder, STOCK, ATTEMPTS, self.rush_subs))
        self.record("signups", rush)

    def draw(self):
        """The draw of DRAW_SIGNUPS for DRAW_COUPONS, in a process of its own (bench/draw.py),
        against sorting every key in the same process."""
        def measured():
            done = subprocess.run([sys.executable, "-m", "bench.draw", str(DRAW_SIGNUPS),
                                   str(DRAW_COUPONS)], capture_output=True, text=True,
                                  check=True, timeout=1800)
            return {"figures": json.loads(done.stdout.splitlines()[-1])}
        self.result["figures"].update(self.step("draw", measured)["figures"])

    def units_and_complaints(self):
        api = self.api
        print(f"certifying {UNITS} units ...", flush=True)
        started = time.monotonic()
        units = scenarios.certified_units(api, UNITS)
        self.result["step_seconds"]["certifying_units"] = round(time.monotonic() - started, 1)
        if ONLY == "all":
            self.store_pages([code for _, _, code in units])
            self.record("redemptions", self.step("redemptions", lambda: scenarios.redemptions(
                api, self.folder, self.coupon_codes[:REDEMPTIONS], units)))
            self.baselines("end")
        self.record("complaints", self.step("complaints", lambda: scenarios.complaints_to_inbox(
            api, self.folder, units, COMPLAINTS_PER_SECOND, self.stack.env["MONGO_URI"],
            f"{self.stack.env['MONGO_DB_PREFIX']}notifications")))

    def rush(self, name, subs=None, drained=False):
        rush = self.step(name, lambda: scenarios.claim_rush(
            self.api, self.folder, STOCK, CONSUMERS, ATTEMPTS, subs), drained)
        if name == "claims":
            self.coupon_codes, self.rush_subs = rush["coupon_codes"], rush["subs"]
            self.result["figures"].update(rush["figures"])
            self.result["invariants"].update(rush["invariants"])
        else:
            self.result["figures"].update({f"{name}_{k}": v for k, v in rush["figures"].items()})
            self.result["invariants"][name] = rush["invariants"]
        self.result["outcomes"][name] = rush["outcomes"]
        return rush

    def baseline_means(self):
        points = self.result["baselines"].values()
        return {name: round(sum(p[name] for p in points) / len(points), 1)
                for name in ("healthz_rps", "echo_rpc_rps")}

    def ratios(self):
        f = defaultdict(lambda: None, self.result["figures"])
        echo_claims = self.around("start", "after_claims", "echo_rpc_rps")
        healthz_claims = self.around("start", "after_claims", "healthz_rps")
        echo_pages = self.around("after_claims", "end", "echo_rpc_rps")
        return {"claim_vs_echo": ratio(f["claim_attempts_rps"], echo_claims),
                "claim_vs_healthz": ratio(f["claim_attempts_rps"], healthz_claims),
                "claim_vs_store_fam": ratio(f["claim_attempts_rps"], f["store_fam_ops"]),
                "redeem_vs_echo": ratio(f["redeem_rps"], echo_pages),
                "signup_vs_claim": ratio(f["signup_attempts_rps"], f["claim_attempts_rps"]),
                "draw_speed_vs_sort": ratio(f["draw_sort_seconds"], f["draw_seconds"]),
                "draw_memory_vs_sort": ratio(f["draw_peak_mb"], f["draw_sort_peak_mb"])}


def scale_out(result):
    """The claim rush on a freshly started system of each of ``LAYOUTS``, one after the other
    (every process of one stopped before the next starts): ``claim_scaleout_vs_single``, claim
    attempts answered per second scaled / single, ``claim_scaleout_cpu_vs_single``, the
    system's CPU per attempt single / scaled, and under ``scaleout`` what an attempt cost
    each process in CPU milliseconds (replicas added up, the events it left queued included)
    and the broker in messages. The folders of the two runs."""
    folders = []
    for layout, replicas in LAYOUTS.items():
        name = f"scaleout_{layout}"
        with bench_system(f"bench_{layout}", UNTHROTTLED, replicas) as (stack, folder, vhost, _):
            before = broker_traffic(stack)
            Bench(stack, folder, vhost, result).rush(name, drained=True)
            traffic = broker_traffic(stack)
        folders.append(folder)
        result.setdefault("scaleout", {})[layout] = {
            "cpu_ms_per_attempt": cpu_ms_per_attempt(result["cpu_seconds"][name], stack.kinds,
                                                     ATTEMPTS),
            "broker_per_attempt": {k: round((v - before[k]) / ATTEMPTS, 3)
                                   for k, v in traffic.items()}}
    rates = {layout: result["figures"][f"scaleout_{layout}_claim_attempts_rps"]
             for layout in LAYOUTS}
    result["ratios"]["claim_scaleout_vs_single"] = ratio(rates["scaled"], rates["single"])
    # the same from CPU per attempt (all but the load): the ratio of the rates where the
    # system's cores are the limit. A rate here moves with whatever else the machine runs
    # during each rush; CPU per attempt much less
    cpu = {layout: result["scaleout"][layout]["cpu_ms_per_attempt"]["system"]
           for layout in LAYOUTS}
    result["ratios"]["claim_scaleout_cpu_vs_single"] = ratio(cpu["single"], cpu["scaled"])
    return folders


def cpu_ms_per_attempt(cpu_seconds, kinds, attempts):
    """CPU milliseconds per attempt of each process (``kinds``: instance -> process, so that
    replicas add up; the store, the balancer, RabbitMQ and the load keep their names), and
    ``system``: all but the load (the consumers' phones, in production)."""
    per_process = defaultdict(float)
    for name, seconds in cpu_seconds.items():
        per_process[kinds.get(name, name)] += 1000 * (seconds or 0) / attempts
    per_process["system"] = sum(v for k, v in per_process.items() if k != "load")
    return {name: round(ms, 3) for name, ms in per_process.items()}


def rush_held(invariants):
    """Whether a rush that was not the first kept its invariants."""
    return invariants["issued"] == STOCK and not any(
        invariants[k] for k in ("over_limit", "lost_claims", "retry_mismatches", "errors_5xx"))


def broken_invariants(result):
    invariants, memory = result["invariants"], result["memory_mb"]
    checks = []
    if "second_rush" in invariants:
        checks += [("issued == stock", invariants["issued"] == STOCK),
                   ("remaining == 0", invariants["remaining"] == 0),
                   ("over_limit == 0", invariants["over_limit"] == 0),
                   ("lost_claims == 0", invariants["lost_claims"] == 0),
                   ("retry_mismatches == 0", invariants["retry_mismatches"] == 0),
                   ("no 5xx on claims", invariants["errors_5xx"] == 0),
                   ("the second rush holds them too", rush_held(invariants["second_rush"]))]
    checks += [(f"the {name} rush holds them too", rush_held(invariants[name]))
               for name in ("scaleout_single", "scaleout_scaled") if name in invariants]
    if "signups" in invariants:
        signed = invariants["signups"]
        checks += [("every consumer signed up", signed["signed_up"] == signed["consumers"]),
                   ("a repeat gets the first sign-up", signed["repeat_mismatches"] == 0),
                   ("no 5xx on sign-ups", signed["errors_5xx"] == 0)]
    if "redemptions" in invariants:
        redeemed = invariants["redemptions"]
        checks += [("every redemption 201", redeemed["redeemed"] == redeemed["redemptions"])]
    if "complaints" in invariants:
        complaints = invariants["complaints"]
        checks += [("every complaint 201", complaints["filed"] == complaints["complaints"]),
                   ("every complaint in its merchant's inbox",
                    complaints["in_inbox"] == complaints["filed"])]
    broken = [name for name, ok in checks if not ok]
    result["broken"] = broken
    # DESIGN.md's budgets are reported, not enforced: a noisy machine must not fail a run
    result["memory_budget_exceeded"] = sorted(
        name for name, value in memory.items() if value is not None and (
            value > MEMORY_BUDGET_MB if not name.endswith("_pct")
            else value > GROWTH_BUDGET_PCT))
    return broken


def growth(before, after):
    return round(100 * (after - before) / before, 1) if before and after else None


def main():
    if ONLY == "scale":  # BENCH_ONLY=scale make bench: the seed-scale bench (bench/scale.py)
        from bench import scale
        return scale.main()
    started, result, folders = time.monotonic(), new_result(), []
    if ONLY != "scaleout":
        with bench_system("bench", {**UNTHROTTLED, **PAGES_KEPT}) as (stack, folder, vhost, _):
            Bench(stack, folder, vhost, result).run()
        folders.append(folder)
    if ONLY in ("all", "scaleout"):  # after the main system has stopped: nothing else runs
        folders += scale_out(result)
    broken = broken_invariants(result)
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    write(result)
    print_table(result)
    if broken:
        print(f"INVARIANTS BROKEN: {', '.join(broken)}; logs in "
              f"{', '.join(str(f / 'stack' / 'logs') for f in folders)}", file=sys.stderr)
        return 1
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def write(result):
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    (RESULTS / "latest.json").write_text(text)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"{stamp}.json").write_text(text)


def print_table(result):
    m = result["machine"]
    lines = ["", f"Fangxin bench ({m['cores']} cores, Python {m['python']}, {m['load']}; "
                 f"{result['bench_seconds']} s)", "", "  baselines"]
    for point, figures in result["baselines"].items():
        lines.append(f"  {point:<14} " + "  ".join(f"{k} {v}" for k, v in figures.items()))
    lines += ["", "  figures"] + [f"  {k:<30} {v}" for k, v in result["figures"].items()]
    lines += ["", "  ratios (store pages: to /healthz in alternating slices of the same run; "
              "the others: to the mean of the baselines before and after)"]
    lines += [f"  {k:<30} {v}" for k, v in result["ratios"].items()]
    lines += ["", "  invariants"] + [f"  {k:<18} {v}" for k, v in result["invariants"].items()]
    lines += ["", "  seconds per step: " + "  ".join(
        f"{k} {v}" for k, v in result["step_seconds"].items())]
    lines += ["", "  CPU seconds per process"]
    for scenario, seconds in result["cpu_seconds"].items():
        if not scenario.startswith(("healthz", "echo")):
            lines.append(f"  {scenario:<16} " + "  ".join(f"{k} {v}" for k, v in seconds.items()))
    for layout, costs in result.get("scaleout", {}).items():
        lines += ["", f"  per claim attempt, scale-out step, {layout} (CPU ms, replicas added "
                  "up; system: all but the load; broker messages)"]
        lines += [f"  {'  '.join(f'{k} {v}' for k, v in figures.items())}"
                  for figures in costs.values()]
    lines += ["", "  memory (MB RSS after the first rush; growth after the second)"]
    lines += [f"  {k:<36} {v}" for k, v in result["memory_mb"].items()]
    lines += ["",
              f"  over DESIGN.md's memory budgets: {result['memory_budget_exceeded'] or 'none'}",
              f"  broken invariants: {result['broken'] or 'none'}",
              f"  written to {RESULTS / 'latest.json'}", ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
