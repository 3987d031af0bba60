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


def mounted_files(pod, container, secrets):
    """{path in the container: content} of the Secrets the container mounts, as the kubelet
    writes them: ``secrets`` is {(secret name, key): value}; a key it does not hold is left out
    (the kubelet writes the keys a Secret has), items map keys to paths."""
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    files = {}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        sources = ([s["secret"] for s in volume["projected"]["sources"] if "secret" in s]
                   if "projected" in volume else
                   [{"name": volume["secret"]["secretName"], **volume["secret"]}]
                   if "secret" in volume else [])
        for source in sources:
            held = {key: value for (name, key), value in secrets.items()
                    if name == source["name"]}
            items = source.get("items") or [{"key": key, "path": key} for key in held]
            for item in items:
                if item["key"] in held:
                    files[f'{mount["mountPath"]}/{item["path"]}'] = held[item["key"]]
    return files


def process_environment(config, pod, container, secrets, tmp_path):
    """The environment a process starts with: the ConfigMap, then the container's env; every
    mounted Secret file is written under tmp_path and the *_FILE paths pointed there."""
    env = dict(config)
    files = mounted_files(pod, container, secrets)
    for entry in container.get("env", []):
        assert "valueFrom" not in entry, entry
        env[entry["name"]] = entry["value"]
    for name, value in list(env.items()):
        if name.endswith("_FILE") and value in files:
            local = tmp_path / value.strip("/").replace("/", "_")
            local.write_text(files[value], encoding="utf-8")
            env[name] = str(local)
        elif name.endswith("_FILE"):
            env[name] = str(tmp_path / "absent" / value.strip("/"))
    return env
