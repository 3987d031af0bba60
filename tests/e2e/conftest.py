"""The whole system as separate processes (store, services, gateway), as ``make run`` starts it,
on ports of its own, in the session's vhost and databases."""
import json
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from devtools.broker import wait_until_answers
from devtools.demo import application, credit_code
from devtools.processes import stop_with_parent
from devtools.stack import PROCESSES, ROOT, Stack
from devtools.waiting import wait_until
from plumbing.event_contracts import newest_versions
from tests.conftest import free_port
from tests.e2e.registry_steps import certify, record

HERE = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_last: reads what the end-to-end tests left (logs)")


def pytest_collection_modifyitems(items):
    """Tests marked ``runs_last`` go after every other test of this package, while its system
    (package-scoped: stopped before the next package's tests) still runs."""
    last = [item for item in items if item.get_closest_marker("runs_last")]
    rest = [item for item in items if not item.get_closest_marker("runs_last")]
    ours = [n for n, item in enumerate(rest) if HERE in item.path.parents]
    end = ours[-1] + 1 if ours else len(rest)
    items[:] = rest[:end] + last + rest[end:]


class Client:
    """HTTP against the gateway, with development tokens."""

    def __init__(self, base_url):
        self.base_url = base_url

    def url(self, path):
        return self.base_url + path

    def token(self, **claims):
        response = requests.post(self.url("/api/v1/auth/dev-token"), json=claims, timeout=10)
        assert response.status_code == 201, response.text
        return response.json()["token"]

    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url(path), headers=headers, timeout=15, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.request("POST", path, token, **kwargs)

    def put(self, path, token=None, **kwargs):
        return self.request("PUT", path, token, **kwargs)

    def patch(self, path, token=None, **kwargs):
        return self.request("PATCH", path, token, **kwargs)


FAILS_TWICE, ALWAYS_FAILS = "13900000001", "13900000002"
FIRST_PROVIDER_DOWN = "13900000003"  # the SMS provider answers 500, the second one takes it


class Providers:
    """The fake SMTP server and SMS/WeChat provider the notifications service talks to."""

    def __init__(self, folder):
        self.smtp_port, self.http_port = free_port(), free_port()
        self.record = folder / "received.jsonl"
        self.record.touch()
        scripts = {FAILS_TWICE: [503, 503], ALWAYS_FAILS: "always",
                   f"sms:{FIRST_PROVIDER_DOWN}": "always:500"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_providers", "--smtp-port", str(self.smtp_port),
             "--http-port", str(self.http_port), "--record", str(self.record),
             "--scripts", json.dumps(scripts)], cwd=ROOT, preexec_fn=stop_with_parent)
        assert wait_until_answers(("127.0.0.1", self.smtp_port), 15)
        assert wait_until_answers(("127.0.0.1", self.http_port), 15)

    @property
    def env(self):
        base = f"http://127.0.0.1:{self.http_port}"
        return {"SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}?from=noreply@fangxin.test",
                "SMS_WEBHOOK_URL": f"{base}/sms", "WECHAT_WEBHOOK_URL": f"{base}/wechat",
                # a second SMS provider, tried when the first fails (its own path, "sms2")
                "SMS_PROVIDERS": "webhook,webhook2", "SMS_WEBHOOK2_URL": f"{base}/sms2"}

    def received(self, **match):
        entries = [json.loads(line) for line in self.record.read_text().splitlines()]
        return [e for e in entries if all(e.get(k) == v for k, v in match.items())]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture(scope="package")
def providers(tmp_path_factory):
    fakes = Providers(tmp_path_factory.mktemp("providers"))
    yield fakes
    fakes.stop()


@contextmanager
def running_system(folder, env):
    """The whole system on free ports with ``env``, ready, stopped afterwards."""
    system = Stack(folder, env=env, ports={name: free_port() for name in PROCESSES})
    system.start()
    try:
        assert system.wait_ready(60), f"not ready; logs in {system.logs_dir}"
        yield system
    finally:
        system.stop_all()


@contextmanager
def another_gateway(stack, name, env):
    """A client of a further gateway process of ``stack``, configured with ``env`` on top."""
    port = free_port()
    with open(stack.logs_dir / f"gateway-{name}.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "plumbing.runner", PROCESSES["gateway"]], cwd=ROOT,
            env={**stack.env, **env, "HTTP_PORT": str(port)}, stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=stop_with_parent)
    client = Client(f"http://127.0.0.1:{port}")
    try:
        assert wait_until(lambda: _ready(client), 30), f"the {name} gateway is not ready"
        yield client
    finally:
        process.terminate()
        process.wait(30)


def _ready(client):
    """/readyz: the gateway answers and reaches every service over RPC."""
    try:
        return client.get("/readyz").status_code == 200
    except requests.RequestException:
        return False


@pytest.fixture(scope="package")
def stack(system_env, providers, tmp_path_factory):
    with running_system(tmp_path_factory.mktemp("stack"),
                        {**system_env, **providers.env}) as system:
        yield system


@pytest.fixture(scope="package")
def client(stack):
    return Client(stack.gateway_url)


class Merchants:
    """Fresh merchant accounts with valid applications."""

    def __init__(self, client):
        self.client = client
        self.count = 0

    def new(self, region="330106", **overrides):
        self.count += 1
        merchant_id = f"m-{self.count}"
        token = self.client.token(role="merchant", sub=f"{merchant_id}-owner",
                                  merchant_id=merchant_id)
        body = application(f"测试商户{self.count}", self._code(), region=region)
        body.update(overrides)
        return merchant_id, token, body

    def _code(self):
        return credit_code(f"91330106{self.count:09d}")


@pytest.fixture(scope="package")
def merchants(client):
    return Merchants(client)


@pytest.fixture
def shop(client, merchants):
    """A certified merchant of its own: (merchant_id, merchant token, store code)."""
    merchant_id, token, _ = certify(client, merchants)
    return merchant_id, token, record(client, token, merchant_id)["store_code"]


@pytest.fixture
def consumer(client):
    """A consumer of its own: (sub, token)."""
    sub = f"consumer-{uuid.uuid4().hex[:8]}"
    return sub, client.token(role="consumer", sub=sub)


class EventTap:
    """A queue of our own bound to a service's event exchange, as an outside consumer would
    bind one: every event published there from now on can be read back."""

    def __init__(self, amqp_uri, source):
        from kombu import Connection, Queue

        from plumbing.events import exchange_for

        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"tap-{source}-{id(self)}", exchange_for(source, {}),
                           routing_key="#", exclusive=True, auto_delete=True)
        self.bound = self.queue(self.connection.default_channel)
        self.bound.declare()
        self.seen = []
        self.headers = {}  # event_id -> the message's headers

    def events(self, event_type=None, **data):
        """Facts seen so far, of ``event_type`` and with these data fields if given: one per
        ``event_id``, in its newest version (the tap binds every version, as ``#`` does)."""
        while True:
            message = self.bound.get(no_ack=True)
            if message is None:
                break
            self.seen.append(message.payload)
            self.headers[message.payload.get("event_id")] = message.headers or {}
        return [e for e in newest_versions(self.seen)
                if (event_type is None or e["type"] == event_type)
                and all(e["data"].get(k) == v for k, v in data.items())]

    def close(self):
        self.connection.close()


@pytest.fixture(scope="package")
def registry_events(stack, system_env):
    tap = EventTap(system_env["AMQP_URI"], "registry")
    yield tap
    tap.close()


@pytest.fixture(scope="package")
def complaint_events(stack, system_env):
    tap = EventTap(system_env["AMQP_URI"], "complaints")
    yield tap
    tap.close()
