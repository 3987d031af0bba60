"""Every process's MongoDB client options, as Kubernetes hands them over: the operator's
connection string (in its format) written as the file the rendered overlays mount, read by
plumbing.config with the ConfigMap's MONGO_OPTIONS the way a process reads it, then parsed by
pymongo itself. The choices and their reasons: docs/mongodb.md."""
import os
import tempfile
import warnings
from pathlib import Path
from unittest import mock
from urllib.parse import quote_plus

import pytest
from pymongo import MongoClient, ReadPreference
from pymongo.uri_parser import parse_uri

from plumbing.config import amqp_uri, mongo_uri
from tests.deploy.conftest import OVERLAYS, by_kind, named, process_environment
from tests.deploy.test_manifests import PROCESSES, config_map, containers

# what pymongo's parser must make of every process's MONGO_URI
OPTIONS = {
    "w": "majority",
    "wTimeoutMS": 5000,
    "journal": True,
    "readConcernLevel": "majority",
    "readPreference": "primary",
    "retryWrites": True,
    "retryReads": True,
    "connectTimeoutMS": 5.0,  # pymongo keeps it in seconds
}
# what the operator's own string carries (pymongo reads its ssl as tls)
OPERATOR_OPTIONS = {"replicaset", "tls"}
# a password with characters the URI must escape (the operator escapes it)
PASSWORD = "p@ss:w/rd%"


def operator_connection_string(mongo, namespace, password=PASSWORD):
    """connectionString.standard as the community operator writes it for the resource's one
    user (MongoDBCommunity.MongoAuthUserURI: mongodb://<user>:<password>@<every member>/
    <auth db>?replicaSet=<resource>&ssl=<TLS on>)."""
    name, spec = mongo["metadata"]["name"], mongo["spec"]
    (user,) = spec["users"]
    hosts = ",".join(f"{name}-{i}.{name}-svc.{namespace}.svc.cluster.local:27017"
                     for i in range(spec["members"]))
    tls = str(bool(spec["security"].get("tls", {}).get("enabled"))).lower()
    return (f"mongodb://{quote_plus(user['name'])}:{quote_plus(password)}@{hosts}/"
            f"{user['db']}?replicaSet={name}&ssl={tls}")


def operator_secrets(objects):
    namespace = objects[0]["metadata"]["namespace"]
    mongo = named(objects, "MongoDBCommunity", "mongodb")
    return {
        ("mongodb-admin-fangxin", "connectionString.standard"):
            operator_connection_string(mongo, namespace),
        ("rabbitmq-default-user", "username"): "default_user_abc",
        ("rabbitmq-default-user", "password"): PASSWORD,
        ("fangxin-secrets", "JWT_SECRET"): "jwt",
    }


def effective_uris(objects, read):
    """{process: read() in the environment its container starts with}."""
    config = config_map(objects)["data"]
    found = {}
    for deployment, pod, container in containers(objects):
        with tempfile.TemporaryDirectory() as tmp:
            env = process_environment(config, pod, container, operator_secrets(objects),
                                      Path(tmp))
            with mock.patch.dict(os.environ, env, clear=True):
                found[deployment["metadata"]["name"]] = read()
    return found


def effective_mongo_uris(objects):
    """{process: the MONGO_URI its container connects with}."""
    return effective_uris(objects, mongo_uri)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_connects_with_the_replica_set_options(rendered, overlay):
    objects = rendered[overlay]
    mongo = named(objects, "MongoDBCommunity", "mongodb")
    uris = effective_mongo_uris(objects)
    assert set(uris) == set(PROCESSES)
    for process, uri in uris.items():
        assert "$(" not in uri, (process, uri)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "Duplicate URI option": ours and the operator's
            parsed = parse_uri(uri)
        options = parsed["options"]
        assert {k: options.get(k) for k in OPTIONS} == OPTIONS, process
        assert {k.lower() for k in options} == {k.lower() for k in OPTIONS} | OPERATOR_OPTIONS
        assert options["replicaSet"] == mongo["metadata"]["name"]
        assert len(parsed["nodelist"]) == mongo["spec"]["members"]
        assert parsed["username"] == "fangxin" and parsed["password"] == PASSWORD
        assert parsed["database"] == "admin"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_driver_applies_them(rendered, overlay):
    """What a MongoClient made from the URI (as plumbing/mongo.py makes it) does with them."""
    config = config_map(rendered[overlay])["data"]
    for process, uri in effective_mongo_uris(rendered[overlay]).items():
        client = MongoClient(uri, connect=False,
                             serverSelectionTimeoutMS=int(config["MONGO_TIMEOUT_MS"]))
        try:
            assert client.write_concern.document == {"w": "majority", "wtimeout": 5000,
                                                     "j": True}, process
            assert client.write_concern.acknowledged
            assert client.read_concern.level == "majority"
            assert client.read_preference == ReadPreference.PRIMARY
            assert client.options.retry_writes and client.options.retry_reads
            assert client.options.replica_set_name == "mongodb"
            assert client.options.pool_options.connect_timeout == 5.0
            # the keyword of plumbing/mongo.py, not the URI, sets server selection's bound
            assert client.options.server_selection_timeout == 5.0
        finally:
            client.close()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_options_are_written_in_one_place(rendered, overlay):
    """The options in the ConfigMap (MONGO_OPTIONS), the operator's string as the file
    MONGO_URI_FILE names: nothing about the store in the Deployments' env beside it."""
    config = config_map(rendered[overlay])["data"]
    assert config["MONGO_OPTIONS"].startswith("w=majority&")
    assert "MONGO_URI" not in config
    for _, _, container in containers(rendered[overlay]):
        names = {e["name"] for e in container["env"] if e["name"].startswith("MONGO_")}
        assert names == {"MONGO_URI_FILE"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_reaches_the_broker_with_the_operators_credentials(rendered, overlay):
    for process, uri in effective_uris(rendered[overlay], amqp_uri).items():
        assert uri == f"amqp://default_user_abc:{quote_plus(PASSWORD)}@rabbitmq:5672/", process


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_store_wait_outlasts_the_rpc_timeout(rendered, overlay):
    """A worker waits on the store no longer than the gateway waits on the worker: the majority's
    acknowledgement, server selection (a primary to be elected) and a connection each give up
    within RPC_TIMEOUT_SECONDS."""
    config = config_map(rendered[overlay])["data"]
    rpc_ms = float(config["RPC_TIMEOUT_SECONDS"]) * 1000
    for uri in effective_mongo_uris(rendered[overlay]).values():
        options = parse_uri(uri)["options"]
        assert 0 < options["wTimeoutMS"] <= rpc_ms
        assert 0 < options["connectTimeoutMS"] * 1000 <= rpc_ms
    assert 0 < int(config["MONGO_TIMEOUT_MS"]) <= rpc_ms


@pytest.mark.parametrize("overlay,required", [("dev", False), ("prod", True)])
def test_the_members_are_spread_and_drained_one_at_a_time(rendered, overlay, required):
    objects = rendered[overlay]
    mongo = named(objects, "MongoDBCommunity", "mongodb")
    # the operator's StatefulSet labels its pods app: <resource>-svc
    pods = {"app": f'{mongo["metadata"]["name"]}-svc'}
    affinity = mongo["spec"]["statefulSet"]["spec"]["template"]["spec"]["affinity"][
        "podAntiAffinity"]
    if required:
        assert set(affinity) == {"requiredDuringSchedulingIgnoredDuringExecution"}
        (term,) = affinity["requiredDuringSchedulingIgnoredDuringExecution"]
    else:
        (preferred,) = affinity["preferredDuringSchedulingIgnoredDuringExecution"]
        term = preferred["podAffinityTerm"]
    assert term == {"labelSelector": {"matchLabels": pods},
                    "topologyKey": "kubernetes.io/hostname"}
    (budget,) = [p for p in by_kind(objects, "PodDisruptionBudget")
                 if p["metadata"]["name"] == "mongodb"]
    assert budget["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": pods}}
