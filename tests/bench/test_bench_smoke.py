"""``make bench`` at a hundredth of its sizes and ``make bench-scale`` at a thousandth, the two
run at once (each starts systems of its own, on free ports, in vhosts and databases of its
own): each starts the system, runs every step, checks what it must and writes the JSON that
DESIGN.md "Benchmark output" and docs/scale.md describe. The speed is not judged here (that
is what the benches are for); that they keep running, and that what the scale bench loaded
answers, is."""
import json
import os
import subprocess
import sys

import pytest

from bench.scale_routes import READS, WRITES
from devtools.processes import stop_with_parent
from devtools.stack import ROOT

DESIGN_FIGURES = ("healthz_rps", "echo_rpc_rps", "store_fam_ops", "claim_attempts_rps",
                  "claim_success_rps", "claim_p50_ms", "claim_p99_ms", "store_page_rps",
                  "store_page_html_rps", "redeem_rps", "redeem_p99_ms",
                  "complaint_to_inbox_p50_ms", "complaint_to_inbox_p95_ms",
                  "complaint_to_inbox_p99_ms", "signup_attempts_rps", "signup_p99_ms",
                  "draw_seconds", "draw_peak_mb", "draw_sort_seconds")
SERVICES = ("gateway", "registry", "complaints", "coupons", "notifications")
SCHEDULES = ("watch_deadlines", "find_hotspots", "scan", "keep_time", "reconcile_stock",
             "retry_deliveries")
BENCHES = {
    "bench.run": {"BENCH_SCALE": "0.01", "BENCH_SECONDS": "1"},
    "bench.scale": {"BENCH_SCALE": "0.001", "BENCH_SCALE_CALLS": "3",
                    "BENCH_IDLE_SECONDS": "2"},
}


@pytest.fixture(scope="module")
def benches(tmp_path_factory):
    """Both benches started at once: {module: (process, its results folder)}; what each
    prints goes to ``bench.log`` in its folder."""
    started = {}
    for module, sizes in BENCHES.items():
        folder = tmp_path_factory.mktemp(module.replace(".", "-"))
        env = {**os.environ, **sizes, "BENCH_RESULTS_DIR": str(folder)}
        with open(folder / "bench.log", "wb") as log:
            started[module] = (subprocess.Popen(
                [sys.executable, "-m", module], cwd=ROOT, env=env, stdout=log,
                stderr=subprocess.STDOUT, preexec_fn=stop_with_parent), folder)
    yield started
    for process, _ in started.values():
        if process.poll() is None:
            process.kill()
        process.wait()


def finished(benches, module, result_file, timeout):
    """The results the bench wrote, once it ended well."""
    process, folder = benches[module]
    process.wait(timeout)
    output = (folder / "bench.log").read_text("utf-8", errors="replace")
    assert process.returncode == 0, output[-6000:]
    return json.loads((folder / result_file).read_text())


def test_the_bench_runs_every_scenario_and_writes_its_results(benches):
    result = finished(benches, "bench.run", "latest.json", timeout=600)

    assert set(DESIGN_FIGURES) <= set(result["figures"])
    # every scenario ran: each rate and latency was measured (a busy machine may make them
    # small, never absent)
    assert all(result["figures"][name] is not None for name in DESIGN_FIGURES), result
    rates = [name for name in DESIGN_FIGURES if name.endswith(("_rps", "_ops"))]
    assert all(result["figures"][name] > 0 for name in rates), result["figures"]
    invariants = result["invariants"]
    assert (invariants["issued"], invariants["stock"]) == (50, 50)
    assert (invariants["over_limit"], invariants["lost_claims"],
            invariants["retry_mismatches"]) == (0, 0, 0)
    assert (invariants["signups"]["signed_up"], invariants["signups"]["consumers"]) == (100, 100)
    assert invariants["signups"]["repeat_mismatches"] == 0
    assert (result["figures"]["draw_signups"], result["figures"]["draw_coupons"]) == (10_000, 1000)
    assert result["ratios"]["signup_vs_claim"] and result["ratios"]["draw_memory_vs_sort"]
    assert result["broken"] == []
    assert set(SERVICES) <= set(result["memory_mb"])
    assert "coupons_growth_second_rush_pct" in result["memory_mb"]
    assert result["machine"]["cores"] and result["machine"]["versions"]["nameko"]


def test_the_scale_bench_runs_every_step_and_writes_its_results(benches):
    result = finished(benches, "bench.scale", "scale-latest.json", timeout=900)

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
