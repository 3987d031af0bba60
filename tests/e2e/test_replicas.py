"""The system with replicas (devtools/stack.py): three processes of every service and two
gateways behind the balancer, in a vhost and databases of their own.
Effects are counted: each event's SMS reaches the provider once however many replicas consume
events and run the retry schedule, and every failed attempt is retried exactly once more; a
missed deadline is reminded of and escalated once; a licence about to expire warns its unit
once; a campaign's window closes once; a unit of
stock a dead claim took comes back once, by one of the replicas' reconcilers."""
import contextlib
import datetime
import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from pymongo import MongoClient

from devtools import balancer, broker_definitions
from devtools.broker import delete_vhost, vhost_of, with_vhost
from devtools.processes import free_port
from devtools.stack import PROCESSES, Stack
from devtools.waiting import poll
from plumbing.clock import Clock
from plumbing.events import new_event
from services.coupons.store import CouponsStore
from tests.conftest import RUN_ID
from tests.e2e.conftest import FAILS_TWICE, Client, EventTap, Merchants, Providers
from tests.e2e.coupon_steps import (
    active_campaign,
    claimed,
    from_now,
    new_consumer,
    operator_token,
    pages,
    stats,
)
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import filing

REPLICAS = {"registry": 3, "complaints": 3, "coupons": 3, "notifications": 3, "gateway": 2}
RECONCILER = {"COUPON_RECONCILE_SECONDS": "0.5", "COUPON_RECONCILE_GRACE_SECONDS": "4"}
QUIET_SECONDS = 3  # several passes of every schedule here (0.5 s): any second effect shows


@pytest.fixture(scope="module")
def replicated(system_env, tmp_path_factory):
    if not balancer.available():
        pytest.skip("HAProxy is not installed (make tools installs it)")
    vhost = broker_definitions.fangxin_vhost(f"fangxin-replicas-{RUN_ID}")
    if vhost is None:
        pytest.skip("rabbitmqctl cannot make a vhost here")
    providers = Providers(tmp_path_factory.mktemp("replica-providers"))
    env = {**system_env, **providers.env, **RECONCILER,
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


@pytest.fixture(scope="module")
def replica_merchants(replicated):
    """Fresh merchant accounts for the replicated system (one source of credit codes)."""
    return Merchants(Client(replicated[0].gateway_url))


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


def database(stack, service):
    return MongoClient(stack.env["MONGO_URI"])[f"{stack.env['MONGO_DB_PREFIX']}{service}"]


@contextlib.contextmanager
def events_of(stack, source):
    """A tap on ``source``'s events in the replicated system's vhost."""
    tap = EventTap(stack.env["AMQP_URI"], source)
    try:
        yield tap
    finally:
        tap.close()


def once(tap, event_type, **data):
    """The one event of ``event_type`` (with ``data``) the tap sees, asserting no second one
    follows within ``QUIET_SECONDS`` (the same event published again, which at-least-once
    delivery allows and consumers absorb by its id, is the same event)."""
    def distinct():
        return {e["event_id"]: e for e in tap.events(event_type, **data)}
    assert poll(distinct, bool, seconds=30), f"no {event_type}"
    later = poll(distinct, lambda seen: len(seen) > 1, seconds=QUIET_SECONDS)
    assert len(later) == 1, list(later)
    return next(iter(later.values()))


def test_three_complaints_replicas_remind_and_escalate_a_missed_deadline_once(
        replicated, replica_merchants):
    stack, _ = replicated
    client = Client(stack.gateway_url)
    with events_of(stack, "complaints") as tap:
        merchant_id, merchant, _ = certify(client, replica_merchants)
        consumer = client.token(role="consumer", sub=f"rep-{uuid.uuid4().hex[:8]}")
        filed = client.post("/api/v1/complaints", consumer, json=filing(merchant_id))
        assert filed.status_code == 201, filed.text
        complaint_id = filed.json()["complaint_id"]
        once(tap, "complaint_deadline_approaching", complaint_id=complaint_id)
        assert once(tap, "complaint_escalated", complaint_id=complaint_id)["data"]["reason"] \
            == "deadline_missed"
    told = {"complaint_forwarded", "complaint_deadline_approaching", "complaint_escalated"}

    def inbox():  # the merchant is new: every complaint message it has is of this complaint
        return sorted(m["event_type"] for m in pages(client, "/api/v1/me/notifications", merchant)
                      if m["event_type"] in told)
    assert poll(inbox, lambda found: len(found) >= 3, seconds=15) == sorted(told)


def test_three_registry_replicas_warn_of_an_expiring_licence_once(replicated,
                                                                  replica_merchants):
    stack, _ = replicated
    soon = (datetime.date.today() + datetime.timedelta(days=10)).isoformat()
    with events_of(stack, "registry") as tap:
        merchant_id, _, _ = certify(Client(stack.gateway_url), replica_merchants,
                                    licence_until=soon)
        warned = once(tap, "merchant_status_changed", merchant_id=merchant_id, to="warned")
        assert warned["data"]["reason"] == "证照即将到期"


def test_three_coupons_replicas_close_a_campaign_window_once(replicated):
    stack, _ = replicated
    client = Client(stack.gateway_url)
    with events_of(stack, "coupons") as tap:
        operator = operator_token(client)
        campaign_id = active_campaign(client, operator, claim_ends_at=from_now(2))["campaign_id"]
        ended = once(tap, "campaign_status_changed", campaign_id=campaign_id, to="ended")
        assert ended["data"]["reason"] == "claim window over"


def test_a_unit_a_dead_claim_took_comes_back_once_with_three_reconcilers(replicated):
    stack, _ = replicated
    client = Client(stack.gateway_url)
    operator = operator_token(client)
    campaign_id = active_campaign(client, operator, total_quantity=5)["campaign_id"]
    claimed(client, new_consumer(client)[1], campaign_id)

    def returned():
        return sum(samples(stack.url_of(instance)).get(
            ("fangxin_coupon_units_returned_total", ()), 0)
            for instance in stack.instances_of("coupons"))
    before = returned()
    CouponsStore(database(stack, "coupons")).take_stock(campaign_id, 1)  # ... and it died
    assert poll(lambda: stats(client, operator, campaign_id), lambda f: f["remaining"] == 4,
                seconds=30, interval=0.3)["remaining"] == 4
    later = poll(lambda: stats(client, operator, campaign_id), lambda f: f["remaining"] != 4,
                 seconds=QUIET_SECONDS)
    assert (later["issued"], later["remaining"]) == (1, 4), later
    assert poll(returned, lambda n: n > before, seconds=10) - before == 1
