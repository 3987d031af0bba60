"""Schemathesis fuzzes every route of /openapi.json, signed in as each kind of caller: no 5xx,
no status code, content type or body the document does not describe.

It runs against a system of its own (own vhost, own databases), seeded with the demo data so
that links lead somewhere, because what it files, publishes and claims would otherwise land in
the other end-to-end tests' world. ``FUZZ_SECONDS_PER_ROLE`` bounds each caller's run (``make
test``: a short run with a fixed seed; ``make fuzz``: minutes each, a new seed every time)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from devtools import demo
from devtools.broker import create_vhost, delete_vhost, with_vhost
from tests.conftest import RUN_ID
from tests.e2e.conftest import Client, running_system

SECONDS_PER_ROLE = os.environ.get("FUZZ_SECONDS_PER_ROLE", "6")
SEED = os.environ.get("FUZZ_SEED", "20261122")  # "random": a new one each run
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance")
ST = Path(sys.executable).with_name("st")

CALLERS = {
    "anonymous": None,
    "consumer": dict(role="consumer", sub="fuzz-consumer"),
    "merchant": dict(role="merchant", sub="demo-m-1-owner", merchant_id="demo-m-1"),
    "station": dict(role="regulator", sub="fuzz-station", region="330106", level="station"),
    "county": dict(role="regulator", sub="fuzz-county", region="330106", level="county"),
    "city": dict(role="regulator", sub="fuzz-city", region="330100", level="city"),
    "operator": dict(role="operator", sub="fuzz-operator"),
}


@pytest.fixture(scope="module")
def fuzzed(system_env, tmp_path_factory):
    """A client of a whole system of its own, with the demo data loaded."""
    vhost = create_vhost(f"fangxin-fuzz-{RUN_ID}")
    if vhost is None:
        pytest.skip("rabbitmqctl could not make a vhost for the fuzzed system")
    env = {**system_env, "AMQP_URI": with_vhost(system_env["AMQP_URI"], vhost),
           "MONGO_DB_PREFIX": f"fz{RUN_ID}_"}
    try:
        with running_system(tmp_path_factory.mktemp("fuzzed"), env) as system:
            demo.load(system.gateway_url)
            yield Client(system.gateway_url)
    finally:
        delete_vhost(vhost)


@pytest.mark.parametrize("caller", CALLERS)
def test_fuzzing_finds_no_5xx_and_nothing_undocumented(fuzzed, caller, tmp_path):
    claims = CALLERS[caller]
    header = f"Authorization: Bearer {fuzzed.token(**claims)}" if claims else "X-Caller: anonymous"
    command = [str(ST), "run", fuzzed.url("/openapi.json"), "--checks", CHECKS,
               "--header", header, "--max-time", SECONDS_PER_ROLE, "--no-color",
               "--request-timeout", "10", "--report", "junit", "--report-dir", str(tmp_path)]
    if SEED != "random":
        command += ["--seed", SEED]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path,
                         timeout=float(SECONDS_PER_ROLE) + 120)
    failures = run.stdout.split("FAILURES", 1)[-1] if "FAILURES" in run.stdout else run.stdout
    assert run.returncode == 0, f"{caller}: {failures[-8000:]}\n{run.stderr[-2000:]}"
    print(caller, *re.findall(r"^\s*(\d+ generated.*|Seed: \d+)$", run.stdout, re.M))
