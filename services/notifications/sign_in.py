"""Signing in with a phone and a one-time code sent by SMS; no I/O.

A code is six random digits, valid for ``code_seconds``, good for ``tries`` attempts, and
stored only as a keyed digest. The phone itself is never a key: a sign-in is filed under a
keyed digest of it, and the consumer's subject is another (``p-`` and 26 base32 letters), so
neither a token nor the store's sign-in records reveal the number. The phone is kept only in
the consumer's preferences, where notifications need it to send SMS."""
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

CODE_DIGITS = 6


@dataclass(frozen=True)
class SignInRules:
    secret: str          # the key of every digest (None: signing in is off)
    code_seconds: int    # how long a code is valid
    tries: int           # wrong codes before it is spent
    sends_per_hour: int  # codes one phone may be sent in an hour


def _digest(secret, purpose, text):
    return hmac.new(secret.encode(), f"{purpose}:{text}".encode(), hashlib.sha256).digest()


def phone_key(rules, phone):
    """What a phone's sign-in is filed under."""
    return _digest(rules.secret, "phone", phone).hex()


def subject_of(rules, phone):
    """The consumer's ``sub``: the same for a phone every time, and not the phone."""
    letters = base64.b32encode(_digest(rules.secret, "subject", phone)).decode().lower()
    return f"p-{letters[:26]}"


def new_code():
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(rules, phone, code):
    return _digest(rules.secret, f"code:{phone}", code).hex()


def sends_in_the_last_hour(record, now):
    """The send times of ``record`` within the hour before ``now`` (epoch seconds)."""
    return [at for at in (record or {}).get("sent", []) if at > now - 3600]


def may_send(rules, record, now):
    """Seconds to wait before another code may be sent to this phone (0: now)."""
    recent = sends_in_the_last_hour(record, now)
    if len(recent) < rules.sends_per_hour:
        return 0
    return max(1, int(min(recent) + 3600 - now) + 1)


def issued(rules, record, phone, code, now):
    """The sign-in record after sending ``code``: a fresh code, all tries left."""
    return {"digest": code_digest(rules, phone, code), "expires_at": now + rules.code_seconds,
            "tries_left": rules.tries, "sent": [*sends_in_the_last_hour(record, now), now]}


def verdict(rules, record, phone, code, now):
    """"ok", "expired" (no live code: none sent, too old, used, or out of tries) or "wrong"."""
    if not record or record.get("digest") is None or now >= record["expires_at"] \
            or record.get("tries_left", 0) <= 0:
        return "expired"
    if not isinstance(code, str) or not hmac.compare_digest(
            code_digest(rules, phone, code), record["digest"]):
        return "wrong"
    return "ok"
