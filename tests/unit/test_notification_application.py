"""The notifications application code in-process (services/notifications/delivering.py,
timers.py, inbox.py, signing_in.py, warnings.py): the real code over an in-memory store
(tests/unit/fakes/), a FixedClock and in-process channels, with the process's Coalescer."""
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest

from plumbing.actors import Actor
from plumbing.clock import FixedClock, to_rfc3339
from plumbing.coalesce import Coalescer
from plumbing.errors import DomainError
from services.complaints.events import CONTRACTS as COMPLAINT_EVENTS
from services.notifications import sign_in
from services.notifications.channels import DeliveryFailed
from services.notifications.delivering import Delivering
from services.notifications.inbox import Inbox
from services.notifications.settings import NotificationSettings
from services.notifications.sign_in import SignInRules
from services.notifications.signing_in import SigningIn
from services.notifications.timers import Timers
from services.notifications.warnings import Warnings
from tests.unit.fakes.notification_store import FakeNotificationStore

START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
SETTINGS = NotificationSettings(
    providers=(), send_timeout_seconds=1, max_attempts=3, retry_base_seconds=30,
    retry_cap_seconds=3600, warnings_per_day=2, warning_batch_size=2,
    sign_in=SignInRules(secret="unit-test-secret", code_seconds=300, tries=3,
                        sends_per_hour=2))
MERCHANT = Actor(sub="till-1", role="merchant", merchant_id="m-1")
FORWARDED = COMPLAINT_EVENTS["complaint_forwarded"]  # its contract's example data
REGULATOR = Actor(sub="reg-1", role="regulator", region="330100", level="city")


class FakeChannel:
    """A channel in-process: what it was asked to send, failing the first ``failures``."""

    def __init__(self, failures=0):
        self.sent, self.failures = [], failures

    def send(self, address, title, body, template):
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("provider answered 503")
        self.sent.append({"address": address, "title": title, "body": body,
                          "template": template})


@pytest.fixture
def app():
    """The application wired as NotificationsService wires it, over fakes."""
    store, clock = FakeNotificationStore(), FixedClock(START)
    channels = {"email": FakeChannel(), "sms": FakeChannel(), "wechat": FakeChannel()}
    delivering = Delivering(store, clock, SETTINGS, channels, Coalescer())
    return SimpleNamespace(
        store=store, clock=clock, channels=channels, delivering=delivering,
        timers=Timers(store, clock, delivering), inbox=Inbox(store, clock),
        signing_in=SigningIn(store, clock, SETTINGS, channels),
        warnings=Warnings(store, clock, SETTINGS))


def forwarded(event_id="e-1", merchant_id="m-1"):
    return {"event_id": event_id, "source": "complaints", "type": "complaint_forwarded",
            "occurred_at": to_rfc3339(START), "version": 1,
            "data": {**FORWARDED.example, "merchant_id": merchant_id}}


def at(**delta):
    return to_rfc3339(START + timedelta(**delta))


def with_phone(app, recipient, phone="13800138000"):
    app.store.save_preferences(recipient, {"recipient": recipient, "locale": "en",
                                           "region": None, "contacts": {"phone": phone},
                                           "opt_out": {}})


# --- an event's messages -----------------------------------------------------------------------

def test_an_event_reaches_its_recipients_inbox_once(app):
    app.delivering.notify(forwarded())
    app.delivering.notify(forwarded())  # delivered again (at least once): skipped
    page = app.inbox.page(MERCHANT, False, None, 20)
    assert [m["notification_id"] for m in page["items"]] == ["e-1:merchant:m-1:inbox"]
    assert page["items"][0]["read"] is False
    assert app.inbox.page(Actor(sub="till-2", role="merchant", merchant_id="m-2"), False,
                          None, 20)["items"] == []
    assert all(not c.sent for c in app.channels.values())  # no contacts: the inbox only


def test_an_sms_contact_gets_its_delivery_once(app):
    with_phone(app, "merchant:m-1")
    app.delivering.notify(forwarded())
    app.delivering.notify(forwarded())
    [sms] = app.channels["sms"].sent
    assert sms["address"] == "13800138000" and sms["template"] == "complaint_forwarded"
    [delivery] = app.inbox.deliveries("merchant:m-1", None, 20)["items"]
    assert (delivery["channel"], delivery["status"], delivery["attempts"]) == ("sms", "sent", 1)


def test_events_handled_together_share_their_round_trips(app):
    running = [eventlet.spawn(app.delivering.notify, forwarded(f"e-{n}", f"m-{n}"))
               for n in range(5)]
    for thread in running:
        thread.wait()
    assert len(app.store.messages) == 5
    assert app.store.calls["preferences_of"] == 1
    assert app.store.calls["add_messages"] == 1


def test_a_failed_sms_is_retried_by_the_timer_with_backoff_until_sent(app):
    with_phone(app, "merchant:m-1")
    app.channels["sms"].failures = 2
    app.delivering.notify(forwarded())
    [first] = app.store.deliveries.values()
    assert (first["status"], first["attempts"], first["last_error"]) == (
        "pending", 1, "provider answered 503")
    assert first["next_attempt_at"] == at(seconds=30)  # base 30 s after attempt 1

    app.timers.retry_deliveries()  # not due yet
    assert app.store.deliveries[first["_id"]]["attempts"] == 1
    app.clock.advance(seconds=30)
    app.timers.retry_deliveries()  # fails again: twice the wait
    assert app.store.deliveries[first["_id"]]["next_attempt_at"] == at(seconds=90)
    app.clock.advance(seconds=60)
    app.timers.retry_deliveries()
    sent = app.store.deliveries[first["_id"]]
    assert (sent["status"], sent["attempts"], sent["sent_at"]) == (
        "sent", 3, at(seconds=90))
    assert len(app.channels["sms"].sent) == 1 and app.store.events == []


def test_a_delivery_failing_every_attempt_fails_for_good_with_its_event(app):
    with_phone(app, "merchant:m-1")
    app.channels["sms"].failures = 99
    app.delivering.notify(forwarded())
    for _ in range(SETTINGS.max_attempts):
        app.clock.advance(hours=1)
        app.timers.retry_deliveries()
    [delivery] = app.store.deliveries.values()
    assert (delivery["status"], delivery["attempts"]) == ("failed", SETTINGS.max_attempts)
    assert app.store.events_of("notification_failed") == [{
        "notification_id": "e-1:merchant:m-1:sms", "recipient": "merchant:m-1",
        "channel": "sms", "event_type": "complaint_forwarded",
        "attempts": SETTINGS.max_attempts, "reason": "provider answered 503"}]


# --- signing in --------------------------------------------------------------------------------

def test_a_sign_in_code_is_sent_and_verified_once(app, monkeypatch):
    monkeypatch.setattr(sign_in, "new_code", lambda: "123456")
    assert app.signing_in.send_code("138 0013 8000", "en") == {"expires_in_seconds": 300}
    [sms] = app.channels["sms"].sent
    assert sms["address"] == "13800138000" and "123456" in sms["title"] + sms["body"]
    subject = app.signing_in.sign_in("13800138000", "123456")["sub"]
    assert subject == sign_in.subject_of(SETTINGS.sign_in, "13800138000")
    assert app.store.preferences(f"user:{subject}")["contacts"] == {"phone": "13800138000"}
    with pytest.raises(DomainError) as again:
        app.signing_in.sign_in("13800138000", "123456")
    assert again.value.code == "UNAUTHENTICATED"


def test_a_wrong_code_spends_a_try(app, monkeypatch):
    monkeypatch.setattr(sign_in, "new_code", lambda: "123456")
    app.signing_in.send_code("13800138000")
    with pytest.raises(DomainError) as wrong:
        app.signing_in.sign_in("13800138000", "654321")
    assert (wrong.value.code, wrong.value.details) == ("UNAUTHENTICATED", {"tries_left": 2})


def test_codes_for_one_phone_are_rate_limited(app):
    for _ in range(SETTINGS.sign_in.sends_per_hour):
        app.signing_in.send_code("13800138000")
    with pytest.raises(DomainError) as limited:
        app.signing_in.send_code("13800138000")
    assert limited.value.code == "RATE_LIMITED"
    assert len(app.channels["sms"].sent) == SETTINGS.sign_in.sends_per_hour


def test_a_code_that_cannot_be_sent_is_unavailable(app):
    app.channels["sms"].failures = 1
    with pytest.raises(DomainError) as failed:
        app.signing_in.send_code("13800138000")
    assert failed.value.code == "UNAVAILABLE"


# --- preferences and warnings ------------------------------------------------------------------

def test_preferences_default_and_a_consumers_region_joins_the_audience(app):
    consumer = Actor(sub="c-1", role="consumer")
    assert app.inbox.preferences("user:c-1")["locale"] == "zh-CN"
    app.inbox.set_preferences(consumer, {"locale": "en", "region": "330106", "contacts": {},
                                         "opt_out": {}})
    assert app.inbox.preferences("user:c-1")["locale"] == "en"
    assert list(app.store.audience.values()) == [{"region": "330106", "consumer": "c-1"}]


def test_a_published_warning_fans_out_throttled_and_once(app):
    for n in range(3):
        app.store.remember_audience([(f"c-{n}", "330106")])
    app.store.remember_audience([("c-far", "110101")])
    warning_ids = []
    for n in range(3):  # warnings_per_day is 2: the third reaches nobody today
        draft = app.warnings.draft(REGULATOR, {"title": f"提示 {n}", "body": "谨慎办理预付卡。",
                                               "region": "330100", "industry": None,
                                               "category": None})
        app.warnings.publish(REGULATOR, draft["warning_id"])
        warning_ids.append(draft["warning_id"])
    published = app.store.events
    assert [e["type"] for e in published] == ["warning_published"] * 3
    for envelope in published:
        app.warnings.fan_out(envelope)
        app.warnings.fan_out(envelope)  # redelivered: already fanned out
    fanouts = [app.store.warning(w)["fanout"] for w in warning_ids]
    assert fanouts == [{"audience": 3, "delivered": 3, "throttled": 0}] * 2 + [
        {"audience": 3, "delivered": 0, "throttled": 3}]
    assert len(app.inbox.page(Actor(sub="c-1", role="consumer"), False, None, 20)["items"]) == 2
    assert app.inbox.page(Actor(sub="c-far", role="consumer"), False, None, 20)["items"] == []


def test_a_warning_outside_the_regulators_region_is_forbidden(app):
    draft = app.warnings.draft(REGULATOR, {"title": "提示", "body": "谨慎。", "region": "330100",
                                           "industry": None, "category": None})
    other = Actor(sub="reg-2", role="regulator", region="110000", level="province")
    with pytest.raises(DomainError) as refused:
        app.warnings.publish(other, draft["warning_id"])
    assert refused.value.code == "OUT_OF_JURISDICTION"
    assert app.store.events == []
