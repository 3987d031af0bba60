"""Delivery providers registered by name, several per channel, tried in order: when one fails
the next takes the message, and only when all have failed does the delivery attempt fail.

``EMAIL_PROVIDERS``, ``SMS_PROVIDERS`` and ``WECHAT_PROVIDERS`` name a channel's providers,
comma-separated, in the order tried. Unset, a channel has the provider its one URL variable
configures (``SMTP_URL``, ``SMS_WEBHOOK_URL``, ``WECHAT_WEBHOOK_URL``), or the log sink when
that is unset too. Each provider reads its own settings: the URL of each channel it serves,
``<CHANNEL>_<PROVIDER>_URL`` (``SMTP_URL`` for ``smtp``, named before providers were).

A new provider is one entry of ``PROVIDERS`` (docs/notifications.md, "A new delivery provider").
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass

from plumbing.config import ConfigError, env_str
from services.notifications import metrics
from services.notifications.channels import (
    DeliveryFailed,
    EmailChannel,
    HttpProviderChannel,
    LogSink,
)

CHANNELS = ("email", "sms", "wechat")
LOG_SINK = "log"
# a channel's provider when its <CHANNEL>_PROVIDERS is unset and that provider's URL is set
DEFAULT_PROVIDERS = {"email": "smtp", "sms": "webhook", "wechat": "webhook"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProviderSettings:
    """What a provider is made with."""
    channel: str
    url: str | None
    timeout: float  # seconds of one send


@dataclass(frozen=True)
class Provider:
    make: Callable  # ProviderSettings → an adapter with send(address, title, body, template)
    urls: Callable  # () → {channel it serves: its URL from the environment, None when unset}
    needs_url: bool = True


def _webhook(settings):
    return HttpProviderChannel(settings.channel, settings.url, settings.timeout)


PROVIDERS = {
    "smtp": Provider(lambda s: EmailChannel(s.url, s.timeout),
                     lambda: {"email": env_str("SMTP_URL", None)}),
    "webhook": Provider(_webhook, lambda: {"sms": env_str("SMS_WEBHOOK_URL", None),
                                           "wechat": env_str("WECHAT_WEBHOOK_URL", None)}),
    # a second provider speaking the same JSON: another vendor's gateway, or a relay to one
    "webhook2": Provider(_webhook, lambda: {"sms": env_str("SMS_WEBHOOK2_URL", None),
                                            "wechat": env_str("WECHAT_WEBHOOK2_URL", None)}),
    LOG_SINK: Provider(lambda s: LogSink(s.channel), lambda: dict.fromkeys(CHANNELS),
                       needs_url=False),
}


# --- configuration ------------------------------------------------------------------------

def configured_providers(providers=PROVIDERS):
    """``((channel, ((provider name, url), ...)), ...)`` from the environment, each channel's
    providers in the order tried; a ConfigError names what is wrong."""
    listed = {"email": env_str("EMAIL_PROVIDERS", None), "sms": env_str("SMS_PROVIDERS", None),
              "wechat": env_str("WECHAT_PROVIDERS", None)}
    return tuple((channel, _chain(channel, listed[channel], providers)) for channel in CHANNELS)


def _chain(channel, listed, providers):
    if listed is None:
        default = DEFAULT_PROVIDERS[channel]
        url = providers[default].urls()[channel]
        return ((default, url),) if url else ((LOG_SINK, None),)
    variable = f"{channel.upper()}_PROVIDERS"
    names = [name.strip() for name in listed.split(",") if name.strip()]
    if not names or len(set(names)) != len(names):
        raise ConfigError(f"{variable} must name providers once each, got {listed!r}")
    if LOG_SINK in names and len(names) > 1:
        # the log sink never fails: after another provider it would hide that one's failures
        raise ConfigError(f"{variable}: {LOG_SINK} can only be a channel's one provider")
    return tuple((name, _url(variable, channel, name, providers)) for name in names)


def _url(variable, channel, name, providers):
    if name not in providers:
        raise ConfigError(f"{variable} names {name!r}; the providers are {sorted(providers)}")
    provider = providers[name]
    urls = provider.urls()
    if channel not in urls:
        raise ConfigError(f"{variable} names {name!r}, which delivers no {channel}")
    if provider.needs_url and not urls[channel]:
        raise ConfigError(f"{variable} names {name!r}, whose {channel} URL is not set")
    return urls[channel]


def channels_from_settings(configured, timeout, providers=PROVIDERS):
    """{channel: a FallbackChannel over its providers} of ``configured``
    (``configured_providers()``'s answer)."""
    return {channel: FallbackChannel(channel, [
        (name, providers[name].make(ProviderSettings(channel, url, timeout)))
        for name, url in chain]) for channel, chain in configured}


# --- sending ------------------------------------------------------------------------------

class FallbackChannel:
    """A channel's providers in order: the first that takes the message delivers it. A
    DeliveryFailed moves on to the next; when all have failed the send fails, and the
    service retries it later (with backoff) from the first provider again."""

    def __init__(self, name, providers):
        self.name = name
        self.providers = tuple(providers)  # (name, adapter), in the order tried
        if not self.providers:
            raise ValueError(f"the {name} channel needs a provider")

    def send(self, address, title, body, template=None):
        failures = []
        for provider, adapter in self.providers:
            try:
                adapter.send(address, title, body, template)
                return
            except DeliveryFailed as failure:
                failures.append((provider, failure.reason))
                metrics.PROVIDER_FAILURES.labels(self.name, provider).inc()
                log.warning("a delivery provider failed", extra={
                    "channel": self.name, "provider": provider, "reason": failure.reason})
        raise DeliveryFailed(failure_reason(failures))


def failure_reason(failures):
    """One reason for the failed sends ``[(provider, reason)]``: the reason itself when all
    gave the same, else each provider's ("webhook: HTTP 500; webhook2: timeout")."""
    if len({reason for _, reason in failures}) == 1:
        return failures[0][1]
    return "; ".join(f"{provider}: {reason}" for provider, reason in failures)
