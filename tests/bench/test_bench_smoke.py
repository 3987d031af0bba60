"""``make bench`` at a hundredth of its sizes: it starts the system, runs every scenario, checks
the invariants and writes the JSON that DESIGN.md "Benchmark output" describes. The speed is
not judged here (that is what the bench is for); that it keeps running is."""
import json
import os
import subprocess
import sys

from devtools.stack import ROOT

DESIGN_FIGURES = ("healthz_rps", "echo_rpc_rps", "store_fam_ops", "claim_attempts_rps",
                  "claim_success_rps", "claim_p50_ms", "claim_p99_ms", "store_page_rps",
                  "store_page_html_rps", "redeem_rps", "redeem_p99_ms",
                  "complaint_to_inbox_p50_ms", "complaint_to_inbox_p95_ms",
                  "complaint_to_inbox_p99_ms", "signup_attempts_rps", "signup_p99_ms",
                  "draw_seconds", "draw_peak_mb", "draw_sort_seconds")
SERVICES = ("gateway", "registry", "complaints", "coupons", "notifications")


def test_the_bench_runs_every_scenario_and_writes_its_results(tmp_path):
    env = {**os.environ, "BENCH_SCALE": "0.01", "BENCH_SECONDS": "1",
           "BENCH_RESULTS_DIR": str(tmp_path)}
    run = subprocess.run([sys.executable, "-m", "bench.run"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads((tmp_path / "latest.json").read_text())

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
