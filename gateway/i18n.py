"""The gateway's two languages: zh-CN (the default) and en, chosen by ``Accept-Language``.

Error messages: in zh-CN the message of the error's code (contracts/errors.py); in en the
service's own message, which says more (services write their messages in English). A code with
no zh-CN message keeps the service's message, so a new code never breaks an answer.
"""
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from contracts import errors

DEFAULT_LOCALE = "zh-CN"
LOCALES = (DEFAULT_LOCALE, "en")


def negotiate(accept_language):
    """The locale to answer in, from an ``Accept-Language`` header (None or empty: zh-CN)."""
    accepted = parse_accept_header(accept_language or "", LanguageAccept)
    return accepted.best_match(LOCALES, default=DEFAULT_LOCALE)


def error_message(code, message, locale):
    if locale == DEFAULT_LOCALE:
        return errors.zh_cn_message(code, message)
    return message
