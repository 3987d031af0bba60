"""``make bench-scale`` at a thousandth of its sizes: it starts the system, times every route on
the small world and again after loading the programme through the services' store code, runs
each schedule, fans a warning out to the province, streams the settlement CSV, and writes the
JSON that docs/scale.md describes. The speed is not judged here (the bench is for that); that
it runs, and that what it loaded answers, is."""
import json
import os
import subprocess
import sys

from bench.scale_routes import READS, WRITES
from devtools.stack import ROOT

SCHEDULES = ("watch_deadlines", "find_hotspots", "scan", "keep_time", "reconcile_stock",
             "retry_deliveries")


def test_the_scale_bench_runs_every_step_and_writes_its_results(tmp_path):
    env = {**os.environ, "BENCH_SCALE": "0.001", "BENCH_SCALE_CALLS": "3",
           "BENCH_IDLE_SECONDS": "2", "BENCH_RESULTS_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "bench.scale"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads((tmp_path / "scale-latest.json").read_text())

    assert result["broken"] == []
    assert set(result["routes"]) == set(READS) | set(WRITES)
    for name, phases in result["routes"].items():
        assert set(phases) == {"empty", "full"}, name
        assert phases["full"]["errors"] == 0, (name, phases["full"])
    documents = result["load"]["documents"]
    assert documents["units"] == 240 and documents["complaints"] == 285
    assert set(result["schedules"]) == set(SCHEDULES)
    assert all(s["nothing_due"]["seconds"] is not None for s in result["schedules"].values())
    warning = result["warning"]
    assert warning["delivered"] + warning["throttled"] == warning["audience"] >= 500
    assert warning["throttled"] >= 100 and warning["throttled_consumers_reached"] == 0
    assert result["settlement"]["rows"] > 2 and result["spot_check"]["tasks"] > 0
    assert {"gateway", "registry", "complaints", "coupons", "notifications"} <= set(
        result["memory_mb"])
    assert set(result["targets"]) >= {"routes_p99_within_300_ms", "warning_within_10_min",
                                      "processes_under_150_mb"}
