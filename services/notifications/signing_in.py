"""Signing in with a code sent by SMS: a code sent to a phone (so many an hour), and a phone's
live code taken once for the consumer's subject. The rules are sign_in.py's."""
import logging

from contracts.identifiers import phone_of
from plumbing.errors import DomainError, invalid, unavailable
from services.notifications import sign_in
from services.notifications.channels import DeliveryFailed
from services.notifications.templates import render

log = logging.getLogger(__name__)


class SigningIn:
    def __init__(self, store, clock, settings, channels):
        """``channels``: the channel adapters by name (the code goes by ``sms``)."""
        self.store, self.clock, self.settings, self.channels = store, clock, settings, channels

    def send_code(self, phone_text, locale=None):
        """Sends a new code to the phone: how long it is valid."""
        rules, phone = self._rules(), mobile_number(phone_text)
        key, now = sign_in.phone_key(rules, phone), self.clock.now().timestamp()
        record = self.store.sign_in(key)
        wait = sign_in.may_send(rules, record, now)
        if wait:
            raise DomainError("RATE_LIMITED", f"too many codes for this phone; retry in {wait} s",
                              429, {"retry_after_seconds": wait})
        code = sign_in.new_code()
        self.store.save_sign_in(key, sign_in.issued(rules, record, phone, code, now))
        title, body = render("sign_in_code", locale, {"code": code,
                                                      "minutes": rules.code_seconds // 60})
        try:
            self.channels["sms"].send(phone, title, body, "sign_in_code")
        except DeliveryFailed as failure:
            log.warning("sign-in code not sent", extra={"reason": failure.reason})
            raise unavailable("the code could not be sent; retry shortly") from None
        return {"expires_in_seconds": rules.code_seconds}

    def sign_in(self, phone_text, code):
        """The consumer's subject once ``code`` is the phone's live code (spent then); the
        phone becomes the address of their SMS."""
        rules, phone = self._rules(), mobile_number(phone_text)
        key, now = sign_in.phone_key(rules, phone), self.clock.now().timestamp()
        record = self.store.take_try(key, now)
        verdict = sign_in.verdict(rules, record, phone, code, now)
        if verdict != "ok" or not self.store.use_code(key, record["digest"]):
            left = max(0, record["tries_left"] - 1) if verdict == "wrong" else 0
            raise DomainError("UNAUTHENTICATED", "the code is wrong or no longer valid", 401,
                              {"tries_left": left})
        subject = sign_in.subject_of(rules, phone)
        self.store.remember_phone(f"user:{subject}", phone)
        return {"sub": subject}

    def _rules(self):
        rules = self.settings.sign_in
        if not rules.secret:
            raise unavailable("signing in with a code is not configured (SIGN_IN_SECRET)")
        return rules


def mobile_number(text):
    """The mainland mobile number ``text`` names (422 VALIDATION_ERROR otherwise)."""
    phone = phone_of(text)
    if phone is None:
        raise invalid({"phone": ["a mainland mobile number: 11 digits, starting with 1"]})
    return phone
