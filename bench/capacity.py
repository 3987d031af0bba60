"""The capacity model of docs/capacity.md: a holiday's claim rush turned into cores, replicas,
broker traffic and store writes, from what a claim attempt cost each process in the scale-out
step of ``make bench``.

    python -m bench.capacity [results.json ...]   # default: bench/results/latest.json

prints the table for each layout the results hold (several files: their means). Run it on the
results of a bench run on a production node to size the holiday there."""
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).parent / "results")

POD_CORES = 1.0  # one Python interpreter per pod (plumbing.runner): one core, whatever the limit
TARGET_UTILIZATION = 0.7  # the HPA's and KEDA's CPU target, of a request of one core
NOTIFY_DRAIN_SECONDS = 120  # the inbox messages of the sold-out stock follow within two minutes
# documents each coupon writes (docs/capacity.md "MongoDB"): in coupons the idempotency record
# (inserted, then its answer), the holding, the coupon (inserted, its derived counters paid,
# its outbox cleared); in notifications the event's claim and finish, the audience, the message
WRITES_PER_COUPON = {"coupons": 6, "notifications": 4}
BYTES_PER_COUPON = 3100  # BSON of those documents, measured after a rush (docs/capacity.md)


@dataclass(frozen=True)
class Holiday:
    coupons: int = 100_000
    consumers: int = 1_000_000
    seconds: int = 600
    first_minute_share: float = 0.5  # of the consumers, arriving in the first minute
    attempts_per_consumer: float = 3.0  # the first try, a retry with its key, a new try
    peak_over_mean: float = 1.5  # the busiest seconds of the first minute over its mean

    @property
    def peak_arrivals(self):
        """Consumers arriving per second in the busiest seconds."""
        return self.consumers * self.first_minute_share / 60 * self.peak_over_mean

    @property
    def peak_attempts(self):
        return self.peak_arrivals * self.attempts_per_consumer

    @property
    def later_attempts(self):
        """Attempts per second after the first minute."""
        return (self.consumers * (1 - self.first_minute_share) * self.attempts_per_consumer
                / (self.seconds - 60))

    @property
    def sold_out_after(self):
        """Seconds until the stock is gone (every first try wins until then)."""
        return self.coupons / self.peak_arrivals


def replicas(cores, pod_cores=POD_CORES, target=TARGET_UTILIZATION):
    return max(1, math.ceil(cores / (pod_cores * target)))


def plan(holiday, costs):
    """The holiday's needs from ``costs`` (one layout's ``scaleout`` figures of a run, with
    ``coupons_per_attempt``: the rush's stock over its attempts)."""
    cpu, broker = costs["cpu_ms_per_attempt"], costs["broker_per_attempt"]
    peak, later = holiday.peak_attempts, holiday.later_attempts
    processes = {name: {"cores": peak * cpu[name] / 1000, "later_cores": later * cpu[name] / 1000}
                 for name in ("gateway", "coupons")}
    # notifications work per coupon, off the request path: sized to drain the stock's events
    per_coupon_ms = cpu["notifications"] / costs["coupons_per_attempt"]
    processes["notifications"] = {
        "cores": holiday.coupons * per_coupon_ms / 1000 / NOTIFY_DRAIN_SECONDS}
    for figures in processes.values():
        figures["replicas"] = replicas(figures["cores"])
        if "later_cores" in figures:
            figures["later_replicas"] = replicas(figures["later_cores"])
    coupons_per_second = holiday.coupons / holiday.sold_out_after
    # the coupons' writes come with the claims, until the sell-out; notifications' with the drain
    writes = {"coupons": coupons_per_second * WRITES_PER_COUPON["coupons"],
              "notifications": holiday.coupons * WRITES_PER_COUPON["notifications"]
              / NOTIFY_DRAIN_SECONDS}
    return {
        "peak_attempts_per_s": peak, "later_attempts_per_s": later,
        "sold_out_after_s": holiday.sold_out_after, "processes": processes,
        "broker": {"published_per_s": peak * broker["messages_published"],
                   "delivered_per_s": peak * broker["messages_delivered"],
                   "cores": peak * cpu["rabbitmq"] / 1000},
        "store": {"coupons_per_s": coupons_per_second, "writes_per_s": writes,
                  "stored_gb": holiday.coupons * BYTES_PER_COUPON / 1e9},
    }


def mean_costs(results, layout):
    """One layout's per-attempt figures, averaged over several runs' results."""
    runs = [r["scaleout"][layout] for r in results]
    mean = {part: {name: sum(run[part][name] for run in runs) / len(runs)
                   for name in runs[0][part]} for part in runs[0]}
    mean["coupons_per_attempt"] = sum(r["sizes"]["stock"] / r["sizes"]["attempts"]
                                      for r in results) / len(results)
    return mean


def table(holiday, results):
    lines = [f"{holiday}", "", "| layout measured | gateway | coupons | notifications | "
             "RabbitMQ msgs/s (cores) |", "|---|---|---|---|---|"]
    for layout in results[0]["scaleout"]:
        need = plan(holiday, mean_costs(results, layout))
        p, b = need["processes"], need["broker"]
        lines.append(
            f"| {layout} | {p['gateway']['cores']:.0f} cores, {p['gateway']['replicas']} pods "
            f"(later {p['gateway']['later_replicas']}) | {p['coupons']['cores']:.0f} cores, "
            f"{p['coupons']['replicas']} pods (later {p['coupons']['later_replicas']}) | "
            f"{p['notifications']['cores']:.1f} cores, {p['notifications']['replicas']} pods | "
            f"{b['published_per_s']:,.0f} in, {b['delivered_per_s']:,.0f} out "
            f"({b['cores']:.0f}) |")
    need = plan(holiday, mean_costs(results, "single"))
    store, writes = need["store"], need["store"]["writes_per_s"]
    lines += ["", f"peak {need['peak_attempts_per_s']:,.0f} attempts/s, later "
                  f"{need['later_attempts_per_s']:,.0f}/s; sold out after "
                  f"{need['sold_out_after_s']:.0f} s; MongoDB {writes['coupons']:,.0f} document "
                  f"writes/s in coupons till then, {writes['notifications']:,.0f}/s in "
                  f"notifications for {NOTIFY_DRAIN_SECONDS} s; {store['stored_gb']:.2f} GB stored"]
    return "\n".join(lines)


def main(paths):
    results = [json.loads(Path(p).read_text()) for p in paths or [RESULTS / "latest.json"]]
    print(table(Holiday(), results))


if __name__ == "__main__":
    main(sys.argv[1:])
