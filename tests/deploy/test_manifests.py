"""The rendered overlays: valid objects, and the policy every process must follow.

Built-in kinds are validated offline against the Kubernetes JSON schemas bundled in the
kubernetes-validate package (strict: unknown fields are errors). The operators' kinds
(RabbitmqCluster, MongoDBCommunity, ServiceMonitor, PrometheusRule, ScaledObject) have no
bundled schema: their fields are checked by hand below, against what the services need.
"""
import copy
import json
import re
from urllib.parse import urlsplit

import kubernetes_validate
import pytest

from devtools import broker_definitions
from tests.deploy.conftest import OVERLAYS, ROOT, by_kind, named

K8S_VERSION = "1.30"
CUSTOM_KINDS = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}
PROCESSES = {
    "gateway": "gateway.service:GatewayService",
    "registry": "services.registry.service:RegistryService",
    "complaints": "services.complaints.service:ComplaintsService",
    "coupons": "services.coupons.service:CouponsService",
    "notifications": "services.notifications.service:NotificationsService",
}
# Secrets the manifests reference but do not make: the operators' (made from the
# RabbitmqCluster and the MongoDBCommunity user) and, in prod, operations' (docs/deploy.md).
OPERATOR_SECRETS = {"rabbitmq-default-user", "mongodb-admin-fangxin"}
OPERATIONS_SECRETS = {"fangxin-secrets", "fangxin-mongo-password", "fangxin-tls"}
# settings (docs/configuration.md) that are secrets: files of fangxin-secrets or of the
# operators' secrets, each read from the file NAME_FILE names (never an environment variable)
SECRET_SETTINGS = {"JWT_SECRET", "JWT_PUBLIC_KEY", "JWT_PRIVATE_KEY", "SIGN_IN_SECRET",
                   "SMTP_URL", "SMS_WEBHOOK_URL", "WECHAT_WEBHOOK_URL", "SMS_WEBHOOK2_URL",
                   "WECHAT_WEBHOOK2_URL", "AMQP_USERNAME", "AMQP_PASSWORD", "MONGO_URI"}
# where the processes find them (processes/defaults.yaml)
SECRETS_DIR = "/etc/fangxin/secrets"
# a test-only fault hook, and make run's own (its local topology, ports and state directory:
# Kubernetes has its own replicas)
NEVER_DEPLOYED = {"FAULT_HOLD_OUTBOX", "BROKER_NODES", "RUN_PORT_OFFSET", "RUN_STATE_DIR",
                  # complaint deadlines in plain seconds, for drills: deployed, they would
                  # replace the working days (tests/unit/test_complaint_deadlines.py)
                  "COMPLAINT_SCREENING_SLA_SECONDS", "COMPLAINT_RESPONSE_SLA_SECONDS",
                  "COMPLAINT_DECISION_SLA_SECONDS", "COMPLAINT_MEDIATION_SLA_SECONDS"}


def config_map(objects):
    found = [obj for obj in by_kind(objects, "ConfigMap")
             if obj["metadata"]["name"].startswith("fangxin-config-")]
    assert len(found) == 1
    return found[0]


def containers(objects):
    for deployment in by_kind(objects, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        for container in pod["containers"]:
            yield deployment, pod, container


# --- rendering and schemas ------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_objects_are_valid_against_the_kubernetes_schemas(rendered, overlay):
    checked = 0
    for obj in rendered[overlay]:
        if (obj["apiVersion"], obj["kind"]) in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        checked += 1
    assert checked >= 18


def test_the_validator_rejects_a_broken_object(rendered):
    deployment = copy.deepcopy(by_kind(rendered["prod"], "Deployment")[0])
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["httpGet"][
        "pathh"] = "/healthz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)
    deployment = copy.deepcopy(by_kind(rendered["prod"], "Deployment")[0])
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_kind_is_known(rendered, overlay):
    kinds = {(obj["apiVersion"], obj["kind"]) for obj in rendered[overlay]}
    builtin = kinds - CUSTOM_KINDS
    assert all(not api.endswith((".com/v1", ".sh/v1alpha1", ".com/v1beta1")) for api, _ in builtin)
    assert {kind for _, kind in kinds} >= {
        "Deployment", "Service", "ConfigMap", "Ingress", "PodDisruptionBudget",
        "HorizontalPodAutoscaler", "RabbitmqCluster", "MongoDBCommunity", "ServiceMonitor",
        "PrometheusRule"}


def test_namespaces(rendered):
    for overlay, namespace in (("dev", "fangxin-dev"), ("prod", "fangxin")):
        assert {obj["metadata"].get("namespace") for obj in rendered[overlay]} == {namespace}


# --- the processes ---------------------------------------------------------------------------

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_deployment_and_service_per_process(rendered, overlay):
    objects = rendered[overlay]
    assert {d["metadata"]["name"] for d in by_kind(objects, "Deployment")} == set(PROCESSES)
    for name, cls in PROCESSES.items():
        deployment = named(objects, "Deployment", name)
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod_labels.items()
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == [cls]
        module, _, class_name = cls.partition(":")
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
        assert f"class {class_name}(" in source
        service = named(objects, "Service", name)
        assert service["spec"]["selector"].items() <= pod_labels.items()
        assert service["spec"]["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_container_policy(rendered, overlay):
    objects = rendered[overlay]
    config = config_map(objects)["data"]
    rendered_secrets = {s["metadata"]["name"] for s in by_kind(objects, "Secret")}
    shutdown = float(config["SHUTDOWN_TIMEOUT_SECONDS"])
    for deployment, pod, container in containers(objects):
        name = deployment["metadata"]["name"]
        # probes
        ready_path = "/readyz" if name == "gateway" else "/healthz"
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container["readinessProbe"]["httpGet"] == {"path": ready_path, "port": "http"}
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
        startup = container["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] >= float(
            config["MONGO_STARTUP_TIMEOUT_SECONDS"])
        assert container["ports"] == [{"name": "http", "containerPort": int(config["HTTP_PORT"])}]
        # resources
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}, (name, bound)
        # security
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 0
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert "add" not in security["capabilities"]
        assert not security.get("privileged")
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]]
        # image
        image = container["image"]
        repository, _, tag = image.partition("@")[0].rpartition(":")
        assert repository and "/" in repository and tag and tag != "latest", image
        if overlay == "prod":
            assert re.fullmatch(r"\d+\.\d+\.\d+", tag), image
        # configuration only from the ConfigMap, secrets only as files
        (ref,) = container["envFrom"]
        assert ref == {"configMapRef": {"name": config_map(objects)["metadata"]["name"]}}
        env = {e["name"]: e for e in container["env"]}
        assert all(set(entry) == {"name", "value"} for entry in env.values()), name
        assert set(env) == {f"{setting}_FILE" for setting in SECRET_SETTINGS}, name
        assert all(entry["value"] == f'{SECRETS_DIR}/{entry["name"][:-len("_FILE")]}'
                   for entry in env.values()), name
        assert mounts[SECRETS_DIR] == "secrets"
        (secrets_mount,) = [m for m in container["volumeMounts"] if m["name"] == "secrets"]
        assert secrets_mount["readOnly"] is True
        projected = volumes["secrets"]["projected"]
        # readable by the process's group only (the kubelet makes fsGroup the files' group)
        assert projected["defaultMode"] == 0o440
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"]
        secret_refs = {source["secret"]["name"] for source in projected["sources"]}
        assert all(set(source) == {"secret"} for source in projected["sources"])
        allowed = rendered_secrets | OPERATOR_SECRETS | (
            OPERATIONS_SECRETS if overlay == "prod" else set())
        assert secret_refs <= allowed, secret_refs - allowed
        assert {v["name"] for v in pod["volumes"]} == {"tmp", "secrets"}
        # graceful shutdown fits in the grace period
        pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
        assert pre_stop[0] == "sleep"
        grace = pod["terminationGracePeriodSeconds"]
        assert grace > float(pre_stop[1]) + shutdown, (name, grace)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configuration_covers_every_setting(rendered, overlay):
    table = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    settings = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", table, re.M))
    assert len(settings) > 50
    config = config_map(rendered[overlay])["data"]
    missing = settings - set(config) - SECRET_SETTINGS - NEVER_DEPLOYED
    assert not missing, f"settings with no value in the ConfigMap: {sorted(missing)}"
    assert not set(config) & (SECRET_SETTINGS | NEVER_DEPLOYED)
    assert not set(config) - settings, "ConfigMap keys the services do not read"
    assert config["BIND_HOST"] == "0.0.0.0"
    assert config["DEV_AUTH"] == ("1" if overlay == "dev" else "0")


def test_dev_secrets_are_generated_and_prod_secrets_are_not_in_the_repo(rendered):
    dev = {s["metadata"]["name"] for s in by_kind(rendered["dev"], "Secret")}
    assert "fangxin-mongo-password" in dev
    assert {name.rsplit("-", 1)[0] for name in dev - {"fangxin-mongo-password"}} == {
        "fangxin-secrets"}
    assert by_kind(rendered["prod"], "Secret") == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budgets_and_autoscaling(rendered, overlay):
    objects = rendered[overlay]
    for name in PROCESSES:
        pdb = named(objects, "PodDisruptionBudget", name)
        labels = named(objects, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert pdb["spec"]["maxUnavailable"] == 1
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h for h in
            by_kind(objects, "HorizontalPodAutoscaler")}
    scaled = {s["spec"]["scaleTargetRef"]["name"]: s for s in by_kind(objects, "ScaledObject")}
    if overlay == "prod":
        assert set(hpas) == {"gateway"} and set(scaled) == {"coupons"}
    else:
        assert set(hpas) == {"gateway", "coupons"} and not scaled
    for name, hpa in hpas.items():
        assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
        assert "replicas" not in named(objects, "Deployment", name)["spec"]
    for name in ("registry", "complaints", "notifications"):
        assert named(objects, "Deployment", name)["spec"]["replicas"] == (
            3 if overlay == "prod" else 1)


def test_keda_scaled_object(rendered):
    # hand-checked against KEDA's ScaledObject (keda.sh/v1alpha1) and its rabbitmq scaler
    scaled = named(rendered["prod"], "ScaledObject", "coupons")
    spec = scaled["spec"]
    assert set(spec) <= {"scaleTargetRef", "minReplicaCount", "maxReplicaCount",
                         "pollingInterval", "cooldownPeriod", "advanced", "triggers"}
    assert 1 <= spec["minReplicaCount"] < spec["maxReplicaCount"]
    triggers = {t["type"]: t for t in spec["triggers"]}
    rabbit = triggers["rabbitmq"]["metadata"]
    assert rabbit["queueName"] == "rpc-coupons"  # nameko's RPC queue: rpc-<service name>
    assert rabbit["mode"] == "QueueLength" and float(rabbit["value"]) > 0
    assert rabbit["host"].startswith("amqp://rabbitmq.fangxin.svc")
    assert all(isinstance(v, str) for t in spec["triggers"] for v in t["metadata"].values())
    # the credentials from the operator's Secret through a TriggerAuthentication (the coupons
    # pods have them only as files, which KEDA cannot read), none in the trigger itself
    assert not {"usernameFromEnv", "passwordFromEnv", "hostFromEnv"} & set(rabbit)
    assert "@" not in rabbit["host"]
    auth = named(rendered["prod"], "TriggerAuthentication",
                 triggers["rabbitmq"]["authenticationRef"]["name"])
    assert set(auth["spec"]) == {"secretTargetRef"}
    assert sorted((r["parameter"], r["name"], r["key"]) for r in auth["spec"]["secretTargetRef"]) \
        == [("password", "rabbitmq-default-user", "password"),
            ("username", "rabbitmq-default-user", "username")]


def test_prod_runs_only_images_pinned_by_digest(rendered):
    images = [c["image"] for _, _, c in containers(rendered["prod"])]
    assert len(images) == len(PROCESSES)
    for image in images:
        assert re.fullmatch(r"[a-z0-9.\-/]+(:[\w.\-]+)?@sha256:[0-9a-f]{64}", image), image
    # dev keeps its moving tag, and so pulls it at every start
    for _, _, container in containers(rendered["dev"]):
        assert "@" not in container["image"] and container["imagePullPolicy"] == "Always"


def test_ingress_routes_to_the_gateway(rendered):
    for overlay in OVERLAYS:
        ingress = named(rendered[overlay], "Ingress", "gateway")
        (rule,) = ingress["spec"]["rules"]
        backend = rule["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "gateway", "port": {"name": "http"}}
    assert named(rendered["prod"], "Ingress", "gateway")["spec"]["tls"][0]["secretName"]


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_broker_loads_the_definitions_the_tests_run_with(rendered, overlay):
    objects = rendered[overlay]
    rabbit = named(objects, "RabbitmqCluster", "rabbitmq")["spec"]
    config = rabbit["rabbitmq"]["additionalConfig"]
    [path] = [line.split("=", 1)[1].strip() for line in config.splitlines()
              if line.startswith("load_definitions")]
    pod = rabbit["override"]["statefulSet"]["spec"]["template"]["spec"]
    [mount] = [m for c in pod["containers"] if c["name"] == "rabbitmq"
               for m in c["volumeMounts"] if path.startswith(m["mountPath"] + "/")]
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    config_map = named(objects, "ConfigMap", volume["configMap"]["name"])
    loaded = json.loads(config_map["data"][path.rsplit("/", 1)[1]])
    assert loaded == broker_definitions.definitions()


# --- the operators' resources (hand-checked: no schema bundled) ------------------------------

@pytest.mark.parametrize("overlay,members", [("dev", 1), ("prod", 3)])
def test_rabbitmq_and_mongodb_through_their_operators(rendered, overlay, members):
    objects = rendered[overlay]
    rabbit = named(objects, "RabbitmqCluster", "rabbitmq")
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1"
    assert rabbit["spec"]["replicas"] == members
    assert set(rabbit["spec"]["resources"]) == {"requests", "limits"}
    assert "prometheus.return_per_object_metrics = true" in rabbit["spec"]["rabbitmq"][
        "additionalConfig"]
    mongo = named(objects, "MongoDBCommunity", "mongodb")
    spec = mongo["spec"]
    assert spec["type"] == "ReplicaSet" and spec["members"] == members
    assert isinstance(spec["version"], str)
    assert spec["security"]["authentication"]["modes"] == ["SCRAM"]
    (user,) = spec["users"]
    assert set(user) == {"name", "db", "passwordSecretRef", "roles",
                         "scramCredentialsSecretName"}
    assert all(set(role) == {"name", "db"} for role in user["roles"])
    # the wiring: the operators' secret names follow from these resources
    assert f'{mongo["metadata"]["name"]}-{user["db"]}-{user["name"]}' == "mongodb-admin-fangxin"
    assert f'{rabbit["metadata"]["name"]}-default-user' == "rabbitmq-default-user"
    amqp = urlsplit(config_map(objects)["data"]["AMQP_URI"])
    assert (amqp.hostname, amqp.port, amqp.username) == (rabbit["metadata"]["name"], 5672, None)
    for _, pod, _ in containers(objects):
        sources = {s["secret"]["name"]: s["secret"] for s in
                   pod["volumes"][[v["name"] for v in pod["volumes"]].index("secrets")][
                       "projected"]["sources"]}
        assert sources[f'{rabbit["metadata"]["name"]}-default-user']["items"] == [
            {"key": "username", "path": "AMQP_USERNAME"},
            {"key": "password", "path": "AMQP_PASSWORD"}]
        assert sources["mongodb-admin-fangxin"]["items"] == [
            {"key": "connectionString.standard", "path": "MONGO_URI"}]
    password_secret = user["passwordSecretRef"]["name"]
    if overlay == "dev":
        secrets = {s["metadata"]["name"] for s in by_kind(objects, "Secret")}
        # kustomize does not rewrite names inside custom resources: the generated Secret must
        # keep its name without the hash suffix
        assert password_secret in secrets
    else:
        assert password_secret in OPERATIONS_SECRETS


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitors_select_the_services(rendered, overlay):
    objects = rendered[overlay]
    monitor = named(objects, "ServiceMonitor", "fangxin")
    selected = [s for s in by_kind(objects, "Service")
                if monitor["spec"]["selector"]["matchLabels"].items()
                <= s["metadata"]["labels"].items()]
    assert {s["metadata"]["name"] for s in selected} == set(PROCESSES)
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["path"] == "/metrics"
    assert all(endpoint["port"] in {p["name"] for p in s["spec"]["ports"]} for s in selected)
    rabbit = named(objects, "ServiceMonitor", "rabbitmq")
    assert rabbit["spec"]["endpoints"][0]["port"] == "prometheus"
    if overlay == "prod":
        for kind in ("ServiceMonitor", "PrometheusRule"):
            for obj in by_kind(objects, kind):
                assert obj["metadata"]["labels"]["release"] == "kube-prometheus-stack"


def test_dockerfile_runs_the_runner_as_a_numeric_non_root_user():
    # no Docker engine here: the build itself is not tested, only what the manifests rely on
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    instructions = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    user = [rest for word, rest in instructions if word == "USER"][-1]
    assert re.fullmatch(r"[1-9]\d*(:\d+)?", user.strip())
    entrypoint = [rest for word, rest in instructions if word == "ENTRYPOINT"][-1]
    assert entrypoint.strip() == '["python", "-m", "plumbing.runner"]'   # exec form: PID 1
    copied = {rest.split()[0] for word, rest in instructions if word == "COPY"}
    assert {"plumbing", "contracts", "services", "gateway", "requirements.txt"} <= copied
