"""Delivery providers by name (services/notifications/providers.py): which ones the environment
configures for each channel, and a channel's providers tried in order, the next taking over
from one that fails. In-process fakes, no network."""
import logging

import pytest

from plumbing.config import ConfigError
from services.notifications import metrics
from services.notifications.channels import (
    DeliveryFailed,
    EmailChannel,
    HttpProviderChannel,
    LogSink,
)
from services.notifications.providers import (
    PROVIDERS,
    FallbackChannel,
    Provider,
    channels_from_settings,
    configured_providers,
    failure_reason,
)

VARIABLES = ("EMAIL_PROVIDERS", "SMS_PROVIDERS", "WECHAT_PROVIDERS", "SMTP_URL",
             "SMS_WEBHOOK_URL", "WECHAT_WEBHOOK_URL", "SMS_WEBHOOK2_URL", "WECHAT_WEBHOOK2_URL")


@pytest.fixture
def env(monkeypatch):
    """A clean environment of the notifications' channel variables; ``env(NAME=value)``."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_to(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    return set_to


class FakeProvider:
    """Takes messages into ``calls`` (shared, so the order between providers shows), failing
    its first ``failures`` sends ("always": every one) with ``reason``."""

    def __init__(self, name, calls, failures=0, reason="HTTP 500"):
        self.name, self.calls, self.failures, self.reason = name, calls, failures, reason

    def send(self, address, title, body, template=None):
        self.calls.append((self.name, address, title))
        if self.failures == "always" or self.failures > 0:
            if self.failures != "always":
                self.failures -= 1
            raise DeliveryFailed(self.reason)


def registry_of(*fakes):
    """The registry with each fake registered as a provider of SMS by its name."""
    return {**PROVIDERS, **{fake.name: Provider(lambda settings, fake=fake: fake,
                                                lambda fake=fake: {"sms": f"fake://{fake.name}"})
                            for fake in fakes}}


def adapters(channel):
    return [(name, type(adapter)) for name, adapter in channel.providers]


# --- configured by the environment -------------------------------------------------------------

def test_without_any_variable_every_channel_writes_to_the_log_sink(env):
    channels = channels_from_settings(configured_providers(), 5)
    assert {name: adapters(channel) for name, channel in channels.items()} == {
        "email": [("log", LogSink)], "sms": [("log", LogSink)], "wechat": [("log", LogSink)]}
    assert [channels[name].providers[0][1].name for name in ("email", "sms", "wechat")] == [
        "email", "sms", "wechat"]


def test_the_old_url_variables_alone_configure_one_provider_each_as_before(env):
    env(SMTP_URL="smtp://localhost:2525", SMS_WEBHOOK_URL="http://sms.local/send",
        WECHAT_WEBHOOK_URL="http://wechat.local/send")
    configured = configured_providers()
    assert configured == (("email", (("smtp", "smtp://localhost:2525"),)),
                          ("sms", (("webhook", "http://sms.local/send"),)),
                          ("wechat", (("webhook", "http://wechat.local/send"),)))
    channels = channels_from_settings(configured, 3)
    assert adapters(channels["email"]) == [("smtp", EmailChannel)]
    [(_, sms)] = channels["sms"].providers
    assert (type(sms), sms.name, sms.url, sms.timeout) == (
        HttpProviderChannel, "sms", "http://sms.local/send", 3)
    assert channels["wechat"].providers[0][1].name == "wechat"


def test_a_channel_s_providers_are_listed_in_the_order_tried(env):
    env(SMS_PROVIDERS=" webhook2 , webhook", SMS_WEBHOOK_URL="http://a.local/sms",
        SMS_WEBHOOK2_URL="http://b.local/sms", WECHAT_PROVIDERS="log",
        WECHAT_WEBHOOK_URL="http://wechat.local/send")
    configured = dict(configured_providers())
    assert configured["sms"] == (("webhook2", "http://b.local/sms"),
                                 ("webhook", "http://a.local/sms"))
    assert configured["wechat"] == (("log", None),)   # named: the URL alone does not count
    assert configured["email"] == (("log", None),)


@pytest.mark.parametrize("values, complaint", [
    ({"SMS_PROVIDERS": "webhook,carrier_pigeon", "SMS_WEBHOOK_URL": "http://a.local"},
     "'carrier_pigeon'; the providers are"),
    ({"SMS_PROVIDERS": "webhook,webhook2", "SMS_WEBHOOK_URL": "http://a.local"},
     "'webhook2', whose sms URL is not set"),
    ({"SMS_PROVIDERS": "smtp", "SMTP_URL": "smtp://localhost"}, "'smtp', which delivers no sms"),
    ({"EMAIL_PROVIDERS": "smtp,log", "SMTP_URL": "smtp://localhost"},
     "log can only be a channel's one provider"),
    ({"WECHAT_PROVIDERS": "webhook,webhook", "WECHAT_WEBHOOK_URL": "http://a.local"},
     "once each"),
    ({"SMS_PROVIDERS": " , "}, "once each"),
])
def test_a_wrong_provider_list_stops_the_service_at_start(env, values, complaint):
    env(**values)
    with pytest.raises(ConfigError, match=complaint):
        configured_providers()


def test_every_registered_provider_can_be_made_for_each_channel_it_serves(env):
    env(SMTP_URL="smtp://localhost", SMS_WEBHOOK_URL="http://a.local",
        WECHAT_WEBHOOK_URL="http://b.local", SMS_WEBHOOK2_URL="http://c.local",
        WECHAT_WEBHOOK2_URL="http://d.local")
    for name, provider in PROVIDERS.items():
        for channel, url in provider.urls().items():
            chain = channels_from_settings([(channel, ((name, url),))], 1)[channel]
            assert chain.providers[0][0] == name and hasattr(chain.providers[0][1], "send")


# --- tried in order, the next taking over -----------------------------------------------------

def test_a_failing_provider_hands_the_message_to_the_next(env, caplog):
    calls = []
    first, second = FakeProvider("first", calls, "always"), FakeProvider("second", calls)
    env(SMS_PROVIDERS="first,second")
    registry = registry_of(first, second)
    sms = channels_from_settings(configured_providers(registry), 5, registry)["sms"]
    failed_before = metrics.PROVIDER_FAILURES.labels("sms", "first")._value.get()
    caplog.set_level(logging.WARNING, logger="services.notifications.providers")
    sms.send("13800138000", "标题", "正文")
    assert calls == [("first", "13800138000", "标题"), ("second", "13800138000", "标题")]
    assert metrics.PROVIDER_FAILURES.labels("sms", "first")._value.get() == failed_before + 1
    [warning] = caplog.records
    assert (warning.channel, warning.provider, warning.reason) == ("sms", "first", "HTTP 500")
    assert "13800138000" not in caplog.text


def test_the_first_provider_that_takes_it_is_the_last_one_tried():
    calls = []
    channel = FallbackChannel("sms", [("first", FakeProvider("first", calls)),
                                      ("second", FakeProvider("second", calls))])
    channel.send("13800138000", "标题", "正文")
    assert [name for name, _, _ in calls] == ["first"]


def test_each_attempt_starts_again_from_the_first_provider():
    calls = []
    channel = FallbackChannel("sms", [("first", FakeProvider("first", calls, failures=1)),
                                      ("second", FakeProvider("second", calls))])
    channel.send("13800138000", "一", "正文")
    channel.send("13800138000", "二", "正文")
    assert [(name, title) for name, _, title in calls] == [
        ("first", "一"), ("second", "一"), ("first", "二")]


def test_only_when_every_provider_failed_does_the_attempt_fail_with_their_reasons():
    calls = []
    channel = FallbackChannel("sms", [
        ("first", FakeProvider("first", calls, "always", "HTTP 500")),
        ("second", FakeProvider("second", calls, "always", "timeout"))])
    with pytest.raises(DeliveryFailed) as failed:
        channel.send("13800138000", "标题", "正文")
    assert failed.value.reason == "first: HTTP 500; second: timeout"
    assert [name for name, _, _ in calls] == ["first", "second"]


def test_one_reason_is_given_once():
    assert failure_reason([("webhook", "HTTP 503")]) == "HTTP 503"
    assert failure_reason([("webhook", "HTTP 503"), ("webhook2", "HTTP 503")]) == "HTTP 503"


def test_a_channel_without_providers_is_refused():
    with pytest.raises(ValueError):
        FallbackChannel("sms", [])
