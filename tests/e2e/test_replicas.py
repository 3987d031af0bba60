"""The system with replicas (devtools/stack.py): three notifications processes and two
gateways behind the balancer, in a vhost and databases of their own. Effects are counted: each
event's SMS reaches the provider once however many replicas consume events and run the retry
schedule, and every failed attempt is retried exactly once more."""
import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from pymongo import MongoClient

from devtools import balancer, broker_definitions
from devtools.broker import create_vhost, delete_vhost, vhost_of, with_vhost
from devtools.processes import free_port
from devtools.stack import PROCESSES, Stack
from devtools.waiting import poll
from plumbing.clock import Clock
from plumbing.events import new_event
from tests.conftest import RUN_ID
from tests.e2e.conftest import FAILS_TWICE, Client, Providers

REPLICAS = {"notifications": 3, "gateway": 2}


@pytest.fixture(scope="module")
def replicated(system_env, tmp_path_factory):
    if not balancer.available():
        pytest.skip("HAProxy is not installed (make tools installs it)")
    vhost = create_vhost(f"fangxin-replicas-{RUN_ID}")
    if vhost is None:
        pytest.skip("rabbitmqctl cannot make a vhost here")
    broker_definitions.apply(vhost)
    providers = Providers(tmp_path_factory.mktemp("replica-providers"))
    env = {**system_env, **providers.env,
           "AMQP_URI": with_vhost(system_env["AMQP_URI"], vhost),
           "MONGO_DB_PREFIX": f"{system_env['MONGO_DB_PREFIX']}r_"}
    stack = Stack(tmp_path_factory.mktemp("replicas"), env=env, replicas=REPLICAS,
                  ports={name: free_port() for name in PROCESSES})
    try:
        stack.start()
        assert stack.wait_ready(90), f"not ready; logs in {stack.logs_dir}"
        yield stack, providers
    finally:
        stack.stop_all()
        providers.stop()
        delete_vhost(vhost_of(env["AMQP_URI"]))


def sms_claimed(consumer, n):
    return new_event("coupons", "coupon_claimed", {
        "coupon_id": uuid.uuid4().hex, "campaign_id": "c1", "consumer": consumer,
        "campaign_name": f"复本消费券{n}", "prize": None, "face_value_fen": 2000,
        "expires_at": "2026-12-31T15:59:59.000000Z", "regions": []}, Clock())


def test_each_event_is_sent_once_and_each_failure_retried_once_by_three_replicas(replicated):
    stack, providers = replicated
    assert sorted(stack.instances_of("notifications")) == [
        "notifications-1", "notifications-2", "notifications-3"]
    client = Client(stack.gateway_url)
    sub = f"rep-{uuid.uuid4().hex[:8]}"
    token = client.token(role="consumer", sub=sub)
    saved = client.put("/api/v1/me/preferences", token, json={"contacts": {"phone": FAILS_TWICE}})
    assert saved.status_code == 200, saved.text

    events = [sms_claimed(sub, n) for n in range(6)]
    dispatch = event_dispatcher({"AMQP_URI": stack.env["AMQP_URI"]})
    for event in events:
        dispatch("coupons", "coupon_claimed", event)

    deliveries = MongoClient(stack.env["MONGO_URI"])[
        f"{stack.env['MONGO_DB_PREFIX']}notifications"]["deliveries"]
    ids = [event["event_id"] for event in events]
    sent = poll(lambda: list(deliveries.find({"event_id": {"$in": ids}, "channel": "sms"})),
                lambda found: len(found) == len(ids) and all(d["status"] == "sent"
                                                             for d in found), seconds=30)
    assert sorted(d["event_id"] for d in sent) == sorted(ids)
    assert all(d["status"] == "sent" for d in sent)

    received = providers.received(channel="sms", to=FAILS_TWICE)
    for event in events:
        name = event["data"]["campaign_name"]
        oks = [r for r in received if r["status"] == 200 and name in r["payload"]["text"]]
        assert len(oks) == 1, f"{name}: {len(oks)} messages sent"
    assert sorted(r["status"] for r in received) == [200] * len(events) + [503, 503]
    assert sum(d["attempts"] for d in sent) == len(events) + 2
