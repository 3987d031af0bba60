"""Fixtures shared by the integration and end-to-end tests: a throwaway RabbitMQ vhost and a
store (the embedded nx-27017 on a free port, or MONGO_URI when it is set)."""
import plumbing.green  # noqa: F401, I001 (first: eventlet patches what the rest imports)

import os
import subprocess
import sys
import uuid
import warnings
from contextlib import contextmanager

import pytest

from devtools import broker_definitions
from devtools.broker import create_vhost, delete_vhost, wait_until_answers, with_vhost  # noqa
from devtools.processes import free_port, stop_with_parent  # noqa: F401 (free_port: shared)
from devtools.stack import ROOT
from plumbing.config import amqp_uri as configured_amqp_uri
from plumbing.config import forget_settings

# openapi-spec-validator switches to jsonschema-rs (ECMA-262 regexes) whenever it is installed,
# and schemathesis (tests/e2e/test_fuzz.py) installs it: keep the document's checks on the
# Python jsonschema they were written against (our patterns use Python's \Z)
os.environ.setdefault("OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND", "jsonschema")

RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(autouse=True)
def settings_read_afresh():
    """A test that changes this process's environment (monkeypatch.setenv) sees it in the
    settings objects, which a process otherwise reads once."""
    forget_settings()
    yield
    forget_settings()


@contextmanager
def private_vhost(amqp_uri, name):
    """The broker URI of a vhost of its own with Fangxin's definitions, deleted afterwards:
    for processes that must not share queues with the session's stack (whose consumers would
    take their messages). Skips the test where rabbitmqctl cannot make one."""
    vhost = broker_definitions.fangxin_vhost(f"{name}-{RUN_ID}")
    if vhost is None:
        pytest.skip("rabbitmqctl could not make a vhost of its own")
    try:
        yield with_vhost(amqp_uri, vhost)
    finally:
        delete_vhost(vhost)


@pytest.fixture(scope="session")
def amqp_uri():
    vhost = broker_definitions.fangxin_vhost(f"fangxin-test-{RUN_ID}")
    if vhost is None:
        warnings.warn("rabbitmqctl could not make a vhost; tests share the configured one",
                      stacklevel=2)
        yield configured_amqp_uri()
        return
    yield with_vhost(configured_amqp_uri(), vhost)
    delete_vhost(vhost)


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    port = free_port()
    data = tmp_path_factory.mktemp("store")
    server = subprocess.Popen(
        [sys.executable, "-m", "devtools.store_server", "--data-dir", str(data), "-p", str(port),
         "--log-file", str(data / "store.log"), "--pid-file", str(data / "store.pid")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=stop_with_parent)  # a test run killed from outside leaves no store behind
    assert wait_until_answers(("127.0.0.1", port), 30), "the embedded store did not start"
    yield f"mongodb://127.0.0.1:{port}/"
    server.terminate()
    server.wait(10)


@pytest.fixture(scope="session")
def system_env(amqp_uri, mongo_uri):
    """The environment every process under test reads its configuration from."""
    env = {"AMQP_URI": amqp_uri, "MONGO_URI": mongo_uri, "MONGO_DB_PREFIX": f"t{RUN_ID}_",
           "DEV_AUTH": "1", "SIGN_IN_SECRET": "test-sign-in-secret", "OUTBOX_POLL_SECONDS": "0.5",
           "RPC_TIMEOUT_SECONDS": "3",
           "REGISTRY_SCAN_SECONDS": "1",
           # complaint deadlines of seconds, so escalation and reminders happen during a test
           "COMPLAINT_RESPONSE_SLA_SECONDS": "6", "COMPLAINT_REMIND_BEFORE_SECONDS": "4",
           "COMPLAINT_SLA_SCAN_SECONDS": "0.5", "COMPLAINT_MEDIATION_SLA_SECONDS": "600",
           "MERCHANT_COMPLAINT_THRESHOLD": "3", "CLAIMANT_MERCHANT_THRESHOLD": "3",
           "HOTSPOT_SCAN_SECONDS": "1", "HOTSPOT_WINDOW_SECONDS": "3600",
           "HOTSPOT_MIN_COUNT": "3", "HOTSPOT_MIN_GROWTH": "1",
           "COUPON_ROLLBACK_SECONDS": "600", "COUPON_SCAN_SECONDS": "0.5",
           "COUPON_EXPIRING_BEFORE_SECONDS": "5",
           "BALLOT_SCAN_SECONDS": "0.5", "BALLOT_GRACE_SECONDS": "1",
           "CASH_OUT_SCAN_SECONDS": "0.5",
           "NOTIFY_RETRY_BASE_SECONDS": "0.2", "NOTIFY_RETRY_SCAN_SECONDS": "0.2",
           "NOTIFY_MAX_ATTEMPTS": "3", "NOTIFY_SEND_TIMEOUT_SECONDS": "2",
           # every test client calls from 127.0.0.1: limits per address would throttle the
           # suite (tests/e2e/test_rate_limits.py runs a gateway of its own with low limits)
           "RATE_LIMIT_CLAIMS_PER_IP": "off", "RATE_LIMIT_COMPLAINTS_PER_IP": "off",
           "RATE_LIMIT_PUBLIC_PER_IP": "off", "RATE_LIMIT_SIGN_IN_PER_IP": "off",
           # a browser frontend on another origin (tests/e2e/test_frontend_headers.py)
           "CORS_ORIGINS": "https://app.fangxin.test", "PUBLIC_CACHE_SECONDS": "7"}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    yield env
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
