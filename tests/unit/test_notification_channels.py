"""The channels' pure parts: configuration, payloads, masking and the log sink."""
import logging

import pytest

from services.notifications.channels import (
    DeliveryFailed,
    EmailChannel,
    HttpProviderChannel,
    LogSink,
    email_message,
    mask_email,
    mask_openid,
    masked_address,
    sms_payload,
    smtp_server,
    wechat_payload,
)


def test_smtp_url_gives_the_server_the_account_and_the_sender():
    server = smtp_server("smtp://user%40corp:p%2Fss@mail.example.org:2525"
                         "?from=noreply@fangxin.local&starttls=1")
    assert (server.host, server.port, server.user, server.password) == (
        "mail.example.org", 2525, "user@corp", "p/ss")
    assert server.sender == "noreply@fangxin.local" and server.starttls
    assert not server.implicit_tls


def test_smtp_url_defaults():
    server = smtp_server("smtp://localhost")
    assert (server.port, server.user, server.sender, server.starttls) == (
        25, "", "noreply@fangxin.local", False)
    assert smtp_server("smtps://mail.example.org").port == 465


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "mail.example.org"])
def test_a_wrong_smtp_url_is_refused_at_start(url):
    with pytest.raises(ValueError):
        EmailChannel(url, 5)


def test_an_email_is_plain_utf8_text_with_the_title_as_subject():
    message = email_message("noreply@fangxin.local", "a@example.org", "投诉已办结", "正文")
    assert message["Subject"] == "投诉已办结" and message["To"] == "a@example.org"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message["Message-ID"].endswith("@fangxin.local>")


def test_payloads():
    assert sms_payload("13800138000", "标题", "正文") == {"to": "13800138000",
                                                         "text": "标题：正文"}
    assert wechat_payload("oX1234", "标题", "正文", "coupon_claimed") == {
        "touser": "oX1234", "template_id": "coupon_claimed",
        "data": {"title": {"value": "标题"}, "body": {"value": "正文"}}}
    assert wechat_payload("oX1234", "标题", "正文")["template_id"] == "notice"


def test_only_sms_and_wechat_go_through_http_providers():
    with pytest.raises(ValueError):
        HttpProviderChannel("fax", "http://127.0.0.1:1/", 1)


@pytest.mark.parametrize("address, masked", [
    ("alice@example.org", "a***@example.org"), ("a@b.cn", "a***@b.cn"),
    ("no-at-sign", "***"), ("@example.org", "***")])
def test_mask_email(address, masked):
    assert mask_email(address) == masked


def test_mask_openid_keeps_the_last_four():
    assert mask_openid("oAbCdEfGhIjK9xYz") == "***9xYz"
    assert mask_openid("1234") == "***"


def test_masked_address_by_channel():
    assert masked_address("sms", "13800138000") == "138****8000"
    assert masked_address("email", "bob@example.org") == "b***@example.org"
    assert masked_address("wechat", "oAbCdEfGh1234") == "***1234"


def test_log_sink_logs_the_masked_address_and_never_the_body(caplog):
    caplog.set_level(logging.INFO, logger="fangxin.notifications.sink")
    LogSink("sms").send("13800138000", "新投诉待处理", "机密正文", "complaint_forwarded")
    [record] = caplog.records
    assert record.name == "fangxin.notifications.sink"
    assert (record.channel, record.address, record.title, record.template) == (
        "sms", "138****8000", "新投诉待处理", "complaint_forwarded")
    assert "13800138000" not in caplog.text and "机密正文" not in caplog.text


def test_log_sink_never_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the log is broken")
    monkeypatch.setattr(logging.Logger, "info", broken)
    assert LogSink("email").send(None, "t", "b") is None


def test_delivery_failed_carries_its_reason():
    failure = DeliveryFailed("HTTP 503")
    assert failure.reason == "HTTP 503" and str(failure) == "HTTP 503"
