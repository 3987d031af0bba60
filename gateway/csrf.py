"""CSRF protection for the gateway's HTML forms: a signed double-submit token.

The API's own routes need none: they take a bearer token in ``Authorization``, which a browser
never adds to a request another site makes. A form is different (a sign-in or complaint form on
a page the gateway serves): another site can make the browser post one. So a form carries a
token that only a page of ours can have given it, tied to a random cookie of the browser's:

- ``csrf_token(call, response, settings)``, in the route that renders the form,
  gives the token to put in the form's hidden ``csrf_token`` field, and sets the browser's
  cookie on ``response`` when the request came without one. It marks ``response``
  ``Cache-Control: no-store``: the page is one browser's (never declare its route
  ``cacheable=True``; headers.revalidate leaves a no-store answer alone anyway).
- ``@api("POST", ..., csrf=True, errors=(403,))`` on the route the form posts to: gateway/web.py
  parses the urlencoded body into ``call.form`` and calls ``check_csrf(call, settings)`` before
  the handler (a handler may also call it itself, for a body it reads otherwise).
  ``check_csrf`` takes the token from ``call.form["csrf_token"]`` or an ``X-CSRF-Token``
  header, and refuses with API.md's 403 ``FORBIDDEN`` (``details.csrf`` says why: ``cookie``,
  ``token``, ``expired``, ``invalid``, ``cross_site``) a request with no cookie, no token, a
  token older than ``TOKEN_SECONDS``, a token made for another cookie or session, or that the
  browser says came from another site (``Sec-Fetch-Site: cross-site``).

A token is also bound to the session: the ``sub`` of the route's signed-in caller
(``call.actor``), or ``bound_to=`` when a handler knows its session otherwise. A token given
before the sign-in is not accepted after it, and another consumer's never is; the sign-in form
itself, before any session, is bound to none.

A token is ``<issued>.<mac>``: the Unix time it was given and an HMAC-SHA256 over the cookie,
that time and the session. The HMAC key is derived from the gateway's token signing key
(``JWT_SECRET``, or ``JWT_PRIVATE_KEY`` with RS256), so every gateway replica accepts what
another gave, and nobody makes a token for a cookie without our key. The cookie is random,
``HttpOnly`` (no script reads it), ``SameSite=Lax`` (other sites' posts go without it),
``Path=/``, a session cookie, and with an https ``PUBLIC_BASE_URL`` ``Secure`` and named
``__Host-fx_csrf``, which no neighbouring subdomain can set: over plain http a subdomain could
plant a cookie for which it fetched a token of its own, and only the session binding stops
that.
"""
import base64
import hashlib
import hmac
import re
import secrets
import time

from werkzeug.http import parse_cookie

from plumbing.errors import DomainError

FIELD = "csrf_token"  # the form field
HEADER = "X-CSRF-Token"
COOKIE = "fx_csrf"
SECURE_COOKIE = "__Host-fx_csrf"
TOKEN_SECONDS = 8 * 3600  # a form filled in slowly still posts; an old page must be reloaded
CLOCK_SKEW_SECONDS = 60  # replicas' clocks
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_COOKIE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}\Z")  # 32 random bytes, base64url
_TOKEN_SHAPE = re.compile(r"^([0-9]{1,12})\.([A-Za-z0-9_-]{43})\Z")


def refused(reason, message):
    return DomainError("FORBIDDEN", message, 403, {"csrf": reason})


def csrf_token(call, response, settings, bound_to=None, now=None):
    """The token for a form on the page answering ``call``; sets the cookie on ``response`` when
    the browser has none."""
    secure = _secure(settings)
    cookie = _cookie(call.headers, secure)
    if cookie is None:
        cookie = secrets.token_urlsafe(32)
        response.set_cookie(_cookie_name(secure), cookie, path="/", secure=secure,
                            httponly=True, samesite="Lax")
    response.cache_control.no_store = True
    response.cache_control.private = True
    issued = int(time.time() if now is None else now)
    return f"{issued}.{_mac(settings, cookie, issued, _session(call, bound_to))}"


def check_csrf(call, settings, bound_to=None, now=None):
    """Refuses (403 FORBIDDEN) an unsafe request whose CSRF token is missing or not ours for this
    browser's cookie; a GET, HEAD or OPTIONS passes."""
    if call.method in SAFE_METHODS:
        return
    if call.headers.get("Sec-Fetch-Site") == "cross-site":
        raise refused("cross_site", "the browser says this form was sent from another site")
    cookie = _cookie(call.headers, _secure(settings))
    if cookie is None:
        raise refused("cookie", "no CSRF cookie: reload the form and send it again")
    submitted = (call.form or {}).get(FIELD) or call.headers.get(HEADER) or ""
    shape = _TOKEN_SHAPE.match(submitted)
    if shape is None:
        raise refused("token", f"send the form's {FIELD} (or an {HEADER} header)")
    issued, mac = int(shape.group(1)), shape.group(2)
    age = (time.time() if now is None else now) - issued
    if not -CLOCK_SKEW_SECONDS <= age <= TOKEN_SECONDS:
        raise refused("expired", "the form is too old: reload it and send it again")
    if not hmac.compare_digest(mac, _mac(settings, cookie, issued, _session(call, bound_to))):
        raise refused("invalid", "the CSRF token was not given for this browser")


def _session(call, bound_to):
    if bound_to is not None:
        return bound_to
    return call.actor.sub if call.actor is not None else ""


def _secure(settings):
    return settings.public_base_url.startswith("https://")


def _cookie_name(secure):
    return SECURE_COOKIE if secure else COOKIE


def _cookie(headers, secure):
    value = parse_cookie(headers.get("Cookie", "")).get(_cookie_name(secure), "")
    return value if _COOKIE_SHAPE.match(value) else None


def _mac(settings, cookie, issued, session):
    digest = hmac.new(_key(settings), f"{cookie}|{issued}|{session}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _key(settings):
    """The CSRF key: the token signing key's, through an HMAC of its own label, so that a CSRF
    MAC is never a JWT signature."""
    material = settings.jwt_private_key if settings.jwt_public_key else settings.jwt_secret
    if not material:
        raise DomainError("UNAVAILABLE", "no JWT_PRIVATE_KEY to sign CSRF tokens with", 503)
    return hmac.new(material.encode("utf-8"), b"fangxin csrf v1", hashlib.sha256).digest()
