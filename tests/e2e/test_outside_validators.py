"""The documents the gateway serves pass tools nobody here wrote (devtools/node, `make tools`):
/asyncapi.json the official AsyncAPI parser with its OpenAPI schema parser
(devtools/node/asyncapi-parse.js), /openapi.json Redocly's `recommended` rules and Spectral's
`spectral:oas`. Each tool runs once on each document; an error fails with the tool's own
messages, and its warnings are printed (`-rP`)."""
import json
import os
import subprocess

import pytest

from devtools.stack import ROOT

NODE = ROOT / "devtools" / "node"
BIN = NODE / "node_modules" / ".bin"
QUIET = {"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def served(client, tmp_path_factory):
    """The folder holding /openapi.json and /asyncapi.json as the gateway serves them."""
    folder = tmp_path_factory.mktemp("served")
    for name in ("openapi.json", "asyncapi.json"):
        response = client.get(f"/{name}")
        assert response.status_code == 200, response.text
        (folder / name).write_bytes(response.content)
    return folder


def run(*command):
    """The tool's exit status and its JSON report."""
    if not (BIN / "redocly").exists():
        pytest.fail(f"the tools are not in {BIN}: run `make tools`")
    done = subprocess.run(command, cwd=NODE, env={**os.environ, **QUIET}, capture_output=True,
                          text=True, timeout=120)
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        pytest.fail(f"{command[0]} gave no report ({done.returncode}): {done.stderr[-3000:]}")


def verdict(tool, status, problems):
    """Fails with the tool's errors; prints its warnings."""
    errors = [text for severity, text in problems if severity == "error"]
    others = [f"{severity}: {text}" for severity, text in problems if severity != "error"]
    print(f"{tool}: {len(errors)} errors, {len(others)} other findings", *others, sep="\n  ")
    assert not errors and status == 0, f"{tool} ({status}):\n" + "\n".join(errors)


def test_the_asyncapi_parser_accepts_the_event_document(served):
    status, found = run("node", "asyncapi-parse.js", str(served / "asyncapi.json"))
    verdict("@asyncapi/parser", status, [
        (d["severity"], f"{d['code']} at /{d['path']}: {d['message']}") for d in found])


def test_the_asyncapi_parser_accepts_two_versions_of_one_event(tmp_path):
    """A v2 beside its deprecated v1 (the throwaway contracts of tests/unit/
    test_event_versions.py): two channels, two messages, ``x-deprecated-after``."""
    from plumbing.asyncapi import build
    from tests.unit.test_event_versions import CONTRACTS

    document = tmp_path / "asyncapi.json"
    document.write_text(json.dumps(build(CONTRACTS.every_version())), encoding="utf-8")
    status, found = run("node", "asyncapi-parse.js", str(document))
    verdict("@asyncapi/parser", status, [
        (d["severity"], f"{d['code']} at /{d['path']}: {d['message']}") for d in found])


def where(problem):
    return problem["location"][0]["pointer"] if problem.get("location") else "#"


def test_redocly_finds_no_error_in_the_api_document(served):
    status, report = run(str(BIN / "redocly"), "lint", "--extends", "recommended",
                         "--format", "json", str(served / "openapi.json"))
    verdict("redocly recommended", status, [
        (p["severity"], f"{p['ruleId']} at {where(p)}: {p['message']}")
        for p in report["problems"]])


SPECTRAL_SEVERITIES = ("error", "warn", "info", "hint")


def test_spectral_finds_no_error_in_the_api_document(served):
    status, found = run(str(BIN / "spectral"), "lint", "--ruleset", ".spectral.yaml", "--quiet",
                        "--format", "json", str(served / "openapi.json"))
    verdict("spectral:oas", status, [
        (SPECTRAL_SEVERITIES[p["severity"]],
         f"{p['code']} at /{'/'.join(map(str, p['path']))}: {p['message']}") for p in found])
