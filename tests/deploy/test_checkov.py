"""checkov (Prisma Cloud's policy checker, its Kubernetes framework) over each rendered overlay:
no finding unless the manifests skip it with a reason (``checkov.io/skipN: CKV_K8S_XX=why``
in the object's annotations), and the skips are exactly the reviewed ones below.

checkov lives in its own virtualenv, devtools/checkov-venv (``make tools``), pinned there and
kept out of requirements-dev.txt: its dependencies are not the project's. Without it the test
skips (CHECKOV names another binary)."""
import json
import os
import re
import shutil
import subprocess

import pytest

from tests.deploy.conftest import K8S, OVERLAYS, ROOT

# reviewed skips: {overlay: {(check, resource)}}; each one's reason is in its annotation
SKIPS = {
    # the dev overlay runs the moving tag "dev" (pulled at every start): no digest to pin
    "dev": {("CKV_K8S_43", f"Deployment.fangxin-dev.{name}")
            for name in ("gateway", "registry", "complaints", "coupons", "notifications")},
    "prod": set(),
}


def checkov_binary():
    found = os.environ.get("CHECKOV") or str(ROOT / "devtools" / "checkov-venv" / "bin" /
                                             "checkov")
    if not os.access(found, os.X_OK):
        found = shutil.which("checkov")
    if not found:
        pytest.skip("checkov is not installed: `make tools` makes devtools/checkov-venv")
    return found


def pinned_version():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(r"^CHECKOV_VERSION\s*:?=\s*(\S+)", makefile, re.M).group(1)


def scan(overlay, tmp_path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the manifests cannot be rendered")
    manifest = tmp_path / f"{overlay}.yaml"
    done = subprocess.run([kubectl, "kustomize", str(K8S / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    manifest.write_text(done.stdout, encoding="utf-8")
    # --skip-download: offline, no guidelines or policies fetched from the vendor's API
    done = subprocess.run([checkov_binary(), "-f", str(manifest), "--framework", "kubernetes",
                           "-o", "json", "--skip-download", "--compact"],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report = json.loads(done.stdout)
    (report,) = report if isinstance(report, list) else [report]
    return report


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_checkov_finds_nothing_but_the_reviewed_skips(overlay, tmp_path):
    report = scan(overlay, tmp_path)
    assert report["summary"]["checkov_version"] == pinned_version()
    assert report["summary"]["parsing_errors"] == 0
    assert report["summary"]["resource_count"] >= 30   # the whole overlay was read
    failed = sorted((c["check_id"], c["resource"], c["check_name"])
                    for c in report["results"]["failed_checks"])
    assert failed == []
    skipped = {(c["check_id"], c["resource"]) for c in report["results"]["skipped_checks"]}
    assert skipped == SKIPS[overlay]
    assert report["summary"]["passed"] > 400
