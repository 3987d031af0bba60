"""The deploy tests render the kustomize overlays once per session with the machine's kubectl."""
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")


def render(path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the manifests cannot be rendered "
                    "(it is part of this machine's image; see docs/deploy.md)")
    done = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="session")
def rendered():
    """{overlay: [object, ...]} for both overlays."""
    return {name: render(K8S / "overlays" / name) for name in OVERLAYS}


def by_kind(objects, kind):
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects, kind, name):
    found = [obj for obj in by_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]
