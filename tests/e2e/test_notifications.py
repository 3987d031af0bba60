"""Notifications through the running system: who hears what, exactly once, preferences and
critical messages, and consumer warnings fanned out to thousands with the daily throttle."""
import json
import uuid

from nameko.standalone.events import event_dispatcher
from pymongo import MongoClient

from devtools.waiting import poll
from plumbing.clock import Clock
from plumbing.config import database_name
from plumbing.events import new_event
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import file, filing, post


def inbox(client, token, **params):
    return client.get("/api/v1/me/notifications", token, params=params).json()["items"]


def messages_db(system_env):
    return MongoClient(system_env["MONGO_URI"])[database_name("notifications")]["messages"]


def test_the_same_event_delivered_twice_leaves_one_message(client, merchants, system_env):
    merchant_id, token, _ = certify(client, merchants)
    event = new_event("registry", "merchant_certified", {
        "merchant_id": merchant_id, "store_code": "dup-test", "region": "330106",
        "industry": "catering", "name": "重复投递"}, Clock())
    dispatch = event_dispatcher({"AMQP_URI": system_env["AMQP_URI"]})
    dispatch("registry", "merchant_certified", event)
    dispatch("registry", "merchant_certified", event)
    stored = messages_db(system_env)
    assert poll(lambda: stored.count_documents({"event_id": event["event_id"]}), bool)
    # a later event proves both deliveries were processed before we count
    marker = new_event("registry", "merchant_certified", {**event["data"], "name": "标记"},
                       Clock())
    dispatch("registry", "merchant_certified", marker)
    assert poll(lambda: stored.count_documents({"event_id": marker["event_id"]}), bool)
    assert stored.count_documents({"event_id": event["event_id"]}) == 1


def test_every_certification_step_reaches_the_merchant(client, merchants):
    merchant_id, token, _ = certify(client, merchants)
    types = poll(lambda: [m["event_type"] for m in inbox(client, token)],
                 lambda found: "merchant_certified" in found)
    assert {"merchant_applied", "merchant_review_recorded", "merchant_certified"} <= set(types)


def test_an_opt_out_holds_back_a_normal_message_but_not_a_critical_one(client, merchants):
    merchant_id, merchant, _ = certify(client, merchants)
    opted = client.put("/api/v1/me/preferences", merchant,
                       json={"opt_out": {"complaint": ["inbox"]}})
    assert opted.status_code == 200, opted.text
    consumer = client.token(role="consumer", sub=f"opt-{uuid.uuid4().hex[:8]}")
    complaint = file(client, consumer, filing(merchant_id, category="service"))

    def complaint_messages():
        return [m["event_type"] for m in inbox(client, merchant)
                if complaint["complaint_id"] in m["event_id"] or m["topic"] == "complaint"]

    got = poll(complaint_messages, lambda types: "complaint_deadline_approaching" in types,
               seconds=15)
    assert "complaint_deadline_approaching" in got
    assert "complaint_forwarded" not in got


def test_the_consumer_hears_the_answer_and_the_outcome(client, merchants):
    merchant_id, merchant, _ = certify(client, merchants)
    consumer = client.token(role="consumer", sub=f"hear-{uuid.uuid4().hex[:8]}")
    complaint = file(client, consumer, filing(merchant_id, category="price"))
    post(client, merchant, complaint["complaint_id"], "responses",
         {"proposal": "refund", "message": "退款", "amount_fen": 1000})
    post(client, consumer, complaint["complaint_id"], "decision", {"accept": True})
    # the two events are handled apart, so either message may be stored first
    types = poll(lambda: [m["event_type"] for m in inbox(client, consumer)],
                 lambda found: {"complaint_responded", "complaint_closed"} <= set(found))
    assert {"complaint_responded", "complaint_closed"} <= set(types)


def seed_audience(system_env, region, count):
    """Consumers the notifications service learns of from complaint events in ``region``."""
    dispatch = event_dispatcher({"AMQP_URI": system_env["AMQP_URI"]})
    consumers = [f"aud-{region}-{n}" for n in range(count)]
    last = None
    for sub in consumers:
        last = new_event("complaints", "complaint_submitted", {
            "complaint_id": uuid.uuid4().hex, "merchant_id": "m", "consumer": sub,
            "region": region, "industry": "catering", "category": "quality",
            "flagged": False}, Clock())
        dispatch("complaints", "complaint_submitted", last)
    return consumers


def test_a_warning_reaches_every_consumer_of_the_region_once_and_the_throttle_holds(
        stack, client, system_env):
    region = "330381"
    consumers = seed_audience(system_env, region, 2000)
    audience = MongoClient(system_env["MONGO_URI"])[database_name("notifications")]["audience"]
    assert poll(lambda: audience.count_documents({"region": region}),
                lambda n: n == len(consumers), seconds=60) == len(consumers)
    regulator = client.token(role="regulator", sub="ra", region="330300", level="city")

    def publish(n):
        draft = client.post("/api/v1/warnings", regulator, json={
            "title": f"消费提示 {n}", "body": "警惕预付卡跑路", "region": region}).json()
        published = client.post(f"/api/v1/warnings/{draft['warning_id']}/publish", regulator)
        assert published.status_code == 200, published.text
        return poll(lambda: client.get(f"/api/v1/warnings/{draft['warning_id']}",
                                       regulator).json(),
                    lambda w: w["fanout"] is not None, seconds=60)

    first = publish(1)
    assert first["fanout"] == {"audience": 2000, "delivered": 2000, "throttled": 0}
    stored = messages_db(system_env)
    per_consumer = {row["_id"]: row["n"] for row in stored.aggregate([
        {"$match": {"topic": "warning", "recipient": {"$regex": f"^user:aud-{region}-"}}},
        {"$group": {"_id": "$recipient", "n": {"$sum": 1}}}])}
    assert len(per_consumer) == 2000 and set(per_consumer.values()) == {1}

    publish(2)
    publish(3)
    fourth = publish(4)
    assert fourth["fanout"] == {"audience": 2000, "delivered": 0, "throttled": 2000}
    assert samples(stack.url_of("notifications"))[
        ("fangxin_warning_fanout_size_count", ())] >= 4
    assert stored.count_documents({"topic": "warning",
                                   "recipient": {"$regex": f"^user:aud-{region}-"}}) == 6000
    sample = client.token(role="consumer", sub=consumers[7])
    titles = [m["title"] for m in inbox(client, sample)]
    assert [t.rsplit("消费提示 ", 1)[1] for t in titles] == ["3", "2", "1"]
    public = client.get("/api/v1/public/warnings", params={"region": "330381"}).json()
    assert {"消费提示 1", "消费提示 4"} <= {w["title"] for w in public["items"]}
    assert "fanout" not in public["items"][0]


def claimed_event(consumer):
    return new_event("coupons", "coupon_claimed", {
        "coupon_id": uuid.uuid4().hex, "campaign_id": "c1", "consumer": consumer,
        "campaign_name": "国庆消费券", "prize": None, "face_value_fen": 2000,
        "expires_at": "2026-12-31T15:59:59.000000Z", "regions": []}, Clock())


def with_contacts(client, contacts, **preferences):
    sub = f"ch-{uuid.uuid4().hex[:8]}"
    token = client.token(role="consumer", sub=sub)
    saved = client.put("/api/v1/me/preferences", token,
                       json={"contacts": contacts, **preferences})
    assert saved.status_code == 200, saved.text
    return sub, token


def deliveries(system_env, event_id):
    collection = MongoClient(system_env["MONGO_URI"])[database_name("notifications")][
        "deliveries"]
    return {d["channel"]: d for d in collection.find({"event_id": event_id})}


def test_email_sms_and_wechat_reach_real_servers(client, system_env, providers):
    sub, token = with_contacts(client, {"email": "li@example.org", "phone": "13800000009",
                                        "wechat_openid": "oWx-123456"}, locale="en")
    event = claimed_event(sub)
    event_dispatcher({"AMQP_URI": system_env["AMQP_URI"]})("coupons", "coupon_claimed", event)
    sent = poll(lambda: deliveries(system_env, event["event_id"]),
                lambda found: len(found) == 3 and all(d["status"] == "sent"
                                                      for d in found.values()))
    assert {channel: d["status"] for channel, d in sent.items()} == {
        "email": "sent", "sms": "sent", "wechat": "sent"}
    [mail] = providers.received(channel="email", to=["li@example.org"])
    assert "国庆消费券" in mail["subject"] + mail["body"]
    [sms] = providers.received(channel="sms", to="13800000009")
    assert "国庆消费券" in sms["payload"]["text"]
    [wechat] = providers.received(channel="wechat", to="oWx-123456")
    assert wechat["payload"]["template_id"] == "coupon_claimed"
    assert inbox(client, token)[0]["event_type"] == "coupon_claimed"


def sms_sent_on_a_claim(client, system_env, phone):
    """(consumer, coupon_claimed event, its SMS delivery once sent) for a new consumer with
    ``phone`` whose claim is announced on the broker."""
    sub, _ = with_contacts(client, {"phone": phone})
    event = claimed_event(sub)
    event_dispatcher({"AMQP_URI": system_env["AMQP_URI"]})("coupons", "coupon_claimed", event)
    sms = poll(lambda: deliveries(system_env, event["event_id"]).get("sms"),
               lambda d: d is not None and d["status"] == "sent", seconds=20)
    return sub, event, sms


def test_a_provider_failing_twice_is_retried_until_it_takes_the_message(
        stack, client, system_env, providers):
    from tests.e2e.conftest import FAILS_TWICE

    sub, event, sms = sms_sent_on_a_claim(client, system_env, FAILS_TWICE)
    assert (sms["status"], sms["attempts"]) == ("sent", 3)
    statuses = [r["status"] for r in providers.received(channel="sms", to=FAILS_TWICE)
                if event["data"]["campaign_name"] in r["payload"]["text"]]
    assert statuses[:3] == [503, 503, 200]
    token = client.token(role="consumer", sub=sub)
    [own] = client.get("/api/v1/me/deliveries", token).json()["items"]
    assert (own["channel"], own["status"], own["attempts"]) == ("sms", "sent", 3)
    figures = samples(stack.url_of("notifications"))
    assert figures[("fangxin_notification_retries_total", (("channel", "sms"),))] >= 2
    assert figures[("fangxin_notifications_total", (("channel", "sms"), ("outcome", "sent")))] >= 1
    assert figures[("fangxin_notification_delivery_seconds_count", (("channel", "sms"),))] >= 1


def test_a_first_provider_answering_500_hands_the_message_to_the_second(
        stack, client, system_env, providers):
    from tests.e2e.conftest import FIRST_PROVIDER_DOWN

    _, _, sms = sms_sent_on_a_claim(client, system_env, FIRST_PROVIDER_DOWN)
    assert (sms["attempts"], sms["last_error"]) == (1, None)   # one attempt, both providers
    [first] = providers.received(channel="sms", to=FIRST_PROVIDER_DOWN)
    [second] = providers.received(channel="sms2", to=FIRST_PROVIDER_DOWN)
    assert (first["status"], second["status"]) == (500, 200)
    assert second["payload"] == first["payload"] and "国庆消费券" in second["payload"]["text"]
    figures = samples(stack.url_of("notifications"))
    assert figures[("fangxin_notification_provider_failures_total",
                    (("channel", "sms"), ("provider", "webhook")))] >= 1


def test_a_provider_that_always_fails_ends_in_a_recorded_failure(client, system_env,
                                                                 providers):
    from tests.e2e.conftest import ALWAYS_FAILS, EventTap

    tap = EventTap(system_env["AMQP_URI"], "notifications")
    try:
        sub, _ = with_contacts(client, {"phone": ALWAYS_FAILS})
        event = claimed_event(sub)
        event_dispatcher({"AMQP_URI": system_env["AMQP_URI"]})("coupons", "coupon_claimed",
                                                              event)
        sms = poll(lambda: deliveries(system_env, event["event_id"]).get("sms"),
                   lambda d: d is not None and d["status"] == "failed", seconds=20)
        assert (sms["attempts"], sms["last_error"]) == (3, "HTTP 503")
        failed = poll(lambda: tap.events("notification_failed", notification_id=sms["_id"]),
                      bool)
        assert failed[0]["data"]["reason"] == "HTTP 503"
        assert ALWAYS_FAILS not in json.dumps(failed[0]["data"]["reason"])
    finally:
        tap.close()
