"""The delivery adapters: e-mail over SMTP, SMS and WeChat template messages through HTTP
providers, and a log sink for a channel with no provider configured (``providers`` registers
them by name and chains a channel's providers).

Synchronous on purpose: they run inside nameko's eventlet-patched workers, where smtplib and
requests cooperate. Every channel has the same call, ``send(address, title, body, template)``;
a failed delivery raises ``DeliveryFailed`` with a short reason that holds no personal data
(the service stores it and retries with ``backoff_seconds``).
"""
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import requests

from contracts.phones import mask_phone

DEFAULT_SENDER = "noreply@fangxin.local"
DEFAULT_WECHAT_TEMPLATE = "notice"
SMTP_PORTS = {"smtp": 25, "smtps": 465}
sink_log = logging.getLogger("fangxin.notifications.sink")


class DeliveryFailed(Exception):
    """A delivery that did not go through; ``reason`` is short and free of personal data."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def backoff_seconds(attempt, base, cap):
    """Seconds to wait before the ``attempt``-th retry (1-based): base·2^(attempt−1), at most
    ``cap``; no jitter, so a schedule can be checked."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return min(cap, base * 2 ** min(attempt - 1, 64))


# --- e-mail -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str
    password: str
    sender: str
    starttls: bool
    implicit_tls: bool


def smtp_server(smtp_url):
    """The server of ``smtp[s]://[user[:password]@]host[:port][?from=...&starttls=0|1]``."""
    parts = urlsplit(smtp_url)
    if parts.scheme not in SMTP_PORTS or not parts.hostname:
        raise ValueError("SMTP_URL must look like smtp://[user:password@]host[:port]")
    query = parse_qs(parts.query)
    return SmtpServer(
        host=parts.hostname, port=parts.port or SMTP_PORTS[parts.scheme],
        user=unquote(parts.username or ""), password=unquote(parts.password or ""),
        sender=query.get("from", [DEFAULT_SENDER])[0],
        starttls=query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"),
        implicit_tls=parts.scheme == "smtps")


def email_message(sender, address, title, body):
    """A UTF-8 plain-text e-mail with ``title`` as its subject."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = address
    message["Subject"] = title
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body, charset="utf-8")
    return message


class EmailChannel:
    name = "email"

    def __init__(self, smtp_url, timeout):
        self.server = smtp_server(smtp_url)
        self.timeout = timeout

    def send(self, address, title, body, template=None):
        message = email_message(self.server.sender, address, title, body)
        try:
            with self._connect() as connection:
                if self.server.starttls:
                    connection.starttls()
                if self.server.user:
                    connection.login(self.server.user, self.server.password)
                connection.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(smtp_failure_reason(error)) from error

    def _connect(self):
        connect = smtplib.SMTP_SSL if self.server.implicit_tls else smtplib.SMTP
        return connect(self.server.host, self.server.port, timeout=self.timeout)


def smtp_failure_reason(error):
    """A short reason for an smtplib or socket error: SMTP codes only, never the addresses."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "recipient refused"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"SMTP {error.smtp_code}"
    if isinstance(error, ssl.SSLError):
        return "TLS error"
    reason = network_failure_reason(error)
    if reason == "network error" and isinstance(error, smtplib.SMTPServerDisconnected):
        return "server disconnected"
    if reason == "network error" and isinstance(error, smtplib.SMTPException):
        return "SMTP error"
    return reason


def network_failure_reason(error):
    """The reason ("timeout", "connection refused", ...) found anywhere in the error's chain
    of causes: requests and urllib3 wrap the socket's error."""
    causes = list(_causes(error))
    if any(isinstance(cause, (TimeoutError, requests.Timeout)) for cause in causes):
        return "timeout"
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    if any(isinstance(cause, ConnectionResetError) for cause in causes):
        return "connection reset"
    return "network error"


def _causes(error, limit=10):
    """The error, what it wraps (``reason``, ``__cause__``, ``__context__``), and so on."""
    seen = []
    while error is not None and len(seen) < limit and error not in seen:
        seen.append(error)
        yield error
        wrapped = getattr(error, "reason", None)
        if not isinstance(wrapped, BaseException) and error.args and \
                isinstance(error.args[0], BaseException):
            wrapped = error.args[0]
        if not isinstance(wrapped, BaseException):
            wrapped = error.__cause__ or error.__context__
        error = wrapped


# --- SMS and WeChat through HTTP providers ------------------------------------------------------

def sms_payload(address, title, body, template=None):
    return {"to": address, "text": f"{title}：{body}"}


def wechat_payload(address, title, body, template=None):
    return {"touser": address, "template_id": template or DEFAULT_WECHAT_TEMPLATE,
            "data": {"title": {"value": title}, "body": {"value": body}}}


PAYLOADS = {"sms": sms_payload, "wechat": wechat_payload}


class HttpProviderChannel:
    """POSTs the channel's JSON to the provider; any non-2xx answer is a failed delivery, and so
    is a WeChat-style ``{"errcode": n}`` with n ≠ 0 in a 2xx answer."""

    def __init__(self, kind, url, timeout):
        if kind not in PAYLOADS:
            raise ValueError(f"no HTTP provider channel of kind {kind!r}")
        self.name, self.url, self.timeout = kind, url, timeout
        self.session = requests.Session()

    def send(self, address, title, body, template=None):
        payload = PAYLOADS[self.name](address, title, body, template)
        try:
            response = self.session.post(self.url, json=payload, timeout=self.timeout)
        except requests.RequestException as error:
            raise DeliveryFailed(network_failure_reason(error)) from error
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"HTTP {response.status_code}")
        error_code = provider_error_code(response)
        if error_code:
            raise DeliveryFailed(f"errcode {error_code}")


def provider_error_code(response):
    """The non-zero ``errcode`` of a JSON answer (WeChat's way to fail with 200), else None."""
    try:
        answer = response.json()
    except ValueError:
        return None
    code = answer.get("errcode") if isinstance(answer, dict) else None
    return code if code not in (None, 0, "0") else None


# --- the log sink ---------------------------------------------------------------------------------

def mask_email(address):
    """alice@example.org → a***@example.org."""
    local, at, domain = (address or "").partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_openid(openid):
    """A WeChat openid keeps its last 4 characters: ***Xy9Q."""
    openid = openid or ""
    return "***" + openid[-4:] if len(openid) > 4 else "***"


ADDRESS_MASKS = {"email": mask_email, "sms": mask_phone, "wechat": mask_openid}


def masked_address(channel_name, address):
    mask = ADDRESS_MASKS.get(channel_name, mask_openid)
    return mask(address) if address else address


class LogSink:
    """Where a channel's messages go when no provider is configured (development): one log line
    with the channel, the masked address and the title. Never fails."""

    def __init__(self, channel_name):
        self.name = channel_name

    def send(self, address, title, body, template=None):
        try:
            sink_log.info("notification written to the log sink", extra={
                "channel": self.name, "address": masked_address(self.name, address),
                "title": title, "template": template})
        except Exception:  # noqa: BLE001 - a log sink must never fail a delivery
            pass
