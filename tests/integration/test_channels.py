"""The delivery channels against real servers started by the test: an SMTP server (aiosmtpd)
and local HTTP servers standing in for the SMS and WeChat providers.

Both servers run in threads of this process. tests/conftest.py monkey-patches eventlet, so
those threads are green threads; aiosmtpd's asyncio loop and http.server both work in them
(verified), and the clients (smtplib, requests) use green sockets, so they yield to the servers.
"""
import json
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from services.notifications.channels import DeliveryFailed, EmailChannel, HttpProviderChannel
from tests.conftest import free_port

SHORT_TIMEOUT = 0.5
TITLE = "新投诉待处理：缺斤短两"
BODY = "湖滨小吃店：消费者对您提出一件缺斤短两投诉（编号 c-1），请在 2026-11-23 16:00 前答复。"


# --- an SMTP server ------------------------------------------------------------------------------

class RecordingSmtpHandler:
    """Keeps every message aiosmtpd receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class OneAccount:
    """An aiosmtpd authenticator that knows one user and password."""

    def __init__(self, user, password):
        self.login = LoginPassword(user.encode(), password.encode())

    def __call__(self, server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd itself answers a failure with 535
        return AuthResult(success=auth_data == self.login, handled=False)


@contextmanager
def smtp_server(**options):
    handler = RecordingSmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def received(envelope):
    return message_from_bytes(envelope.original_content, policy=default_policy)


def test_an_email_in_chinese_arrives_whole():
    with smtp_server() as (port, handler):
        channel = EmailChannel(f"smtp://127.0.0.1:{port}?from=noreply@fangxin.local&starttls=0",
                               timeout=5)
        channel.send("shop-owner@example.org", TITLE, BODY)
    [envelope] = handler.envelopes
    message = received(envelope)
    assert envelope.mail_from == "noreply@fangxin.local"
    assert envelope.rcpt_tos == ["shop-owner@example.org"]
    assert message["Subject"] == TITLE
    assert message["To"] == "shop-owner@example.org"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().strip() == BODY


def test_an_email_is_sent_with_the_account_in_the_url():
    with smtp_server(authenticator=OneAccount("fangxin", "s3cret/+"),
                     auth_require_tls=False) as (port, handler):
        EmailChannel(f"smtp://fangxin:s3cret%2F%2B@127.0.0.1:{port}", timeout=5).send(
            "a@example.org", TITLE, BODY)
    [envelope] = handler.envelopes
    assert envelope.mail_from == "noreply@fangxin.local"
    assert received(envelope)["Subject"] == TITLE


def test_a_wrong_password_is_a_failed_delivery():
    with smtp_server(authenticator=OneAccount("fangxin", "right"),
                     auth_require_tls=False) as (port, handler):
        channel = EmailChannel(f"smtp://fangxin:wrong@127.0.0.1:{port}", timeout=5)
        with pytest.raises(DeliveryFailed) as failure:
            channel.send("a@example.org", TITLE, BODY)
    assert failure.value.reason == "SMTP 535"
    assert handler.envelopes == []


def test_no_smtp_server_is_a_refused_connection():
    channel = EmailChannel(f"smtp://127.0.0.1:{free_port()}", timeout=SHORT_TIMEOUT)
    with pytest.raises(DeliveryFailed) as failure:
        channel.send("a@example.org", TITLE, BODY)
    assert failure.value.reason == "connection refused"


def test_an_smtp_server_that_never_greets_times_out():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the handshake; nobody ever answers
        channel = EmailChannel(f"smtp://127.0.0.1:{silent.getsockname()[1]}",
                               timeout=SHORT_TIMEOUT)
        with pytest.raises(DeliveryFailed) as failure:
            channel.send("a@example.org", TITLE, BODY)
    assert failure.value.reason == "timeout"


# --- HTTP providers ------------------------------------------------------------------------------

class Provider:
    """What a provider answers (statuses in turn, then ``then``) and what it was sent."""

    def __init__(self, statuses=(), then=200, hang=False):
        self.statuses, self.then, self.hang = list(statuses), then, hang
        self.requests = []
        self.released = threading.Event()
        self.lock = threading.Lock()

    def answer(self, path, headers, body):
        with self.lock:
            self.requests.append({"path": path, "headers": headers, "json": json.loads(body)})
            status = self.statuses.pop(0) if self.statuses else self.then
        if self.hang:
            self.released.wait(10)
        return status


def handler_for(provider):
    class ProviderHandler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = provider.answer(self.path, dict(self.headers), body)
            answer = json.dumps({"ok": 200 <= status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    return ProviderHandler


@contextmanager
def provider_server(provider):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(provider))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/send"
    finally:
        provider.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_sms_posts_the_phone_and_the_text():
    provider = Provider()
    with provider_server(provider) as url:
        HttpProviderChannel("sms", url, timeout=5).send("13800138000", TITLE, BODY,
                                                        "complaint_forwarded")
    [request] = provider.requests
    assert request["path"] == "/send"
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["json"] == {"to": "13800138000", "text": f"{TITLE}：{BODY}"}


def test_wechat_posts_a_template_message():
    provider = Provider()
    with provider_server(provider) as url:
        HttpProviderChannel("wechat", url, timeout=5).send("oAbCdEfGh1234", TITLE, BODY,
                                                           "complaint_forwarded")
    [request] = provider.requests
    assert request["json"] == {"touser": "oAbCdEfGh1234", "template_id": "complaint_forwarded",
                               "data": {"title": {"value": TITLE}, "body": {"value": BODY}}}


def test_a_provider_that_fails_twice_then_takes_the_third_send():
    provider = Provider(statuses=[503, 503], then=200)
    with provider_server(provider) as url:
        channel = HttpProviderChannel("sms", url, timeout=5)
        for _ in range(2):
            with pytest.raises(DeliveryFailed) as failure:
                channel.send("13800138000", TITLE, BODY)
            assert failure.value.reason == "HTTP 503"
        channel.send("13800138000", TITLE, BODY)
    assert len(provider.requests) == 3
    assert all(r["json"] == provider.requests[0]["json"] for r in provider.requests)


def test_a_provider_that_always_fails_fails_every_send():
    provider = Provider(then=500)
    with provider_server(provider) as url:
        channel = HttpProviderChannel("wechat", url, timeout=5)
        reasons = []
        for _ in range(4):
            with pytest.raises(DeliveryFailed) as failure:
                channel.send("oAbCdEfGh1234", TITLE, BODY, "complaint_forwarded")
            reasons.append(failure.value.reason)
    assert reasons == ["HTTP 500"] * 4


def test_an_unreachable_provider_is_a_refused_connection():
    channel = HttpProviderChannel("sms", f"http://127.0.0.1:{free_port()}/send",
                                  timeout=SHORT_TIMEOUT)
    with pytest.raises(DeliveryFailed) as failure:
        channel.send("13800138000", TITLE, BODY)
    assert failure.value.reason == "connection refused"


def test_a_provider_that_hangs_times_out():
    provider = Provider(hang=True)
    with provider_server(provider) as url:
        channel = HttpProviderChannel("sms", url, timeout=SHORT_TIMEOUT)
        with pytest.raises(DeliveryFailed) as failure:
            channel.send("13800138000", TITLE, BODY)
    assert failure.value.reason == "timeout"
    assert len(provider.requests) == 1


def test_the_reason_holds_no_personal_data():
    provider = Provider(then=400)
    with provider_server(provider) as url, pytest.raises(DeliveryFailed) as failure:
        HttpProviderChannel("sms", url, timeout=5).send("13800138000", TITLE, BODY)
    assert failure.value.reason == "HTTP 400"
    assert "13800138000" not in str(failure.value)
