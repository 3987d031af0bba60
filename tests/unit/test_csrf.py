"""CSRF tokens of HTML forms (gateway/csrf.py): a form's token passes with the cookie it was
given for, and a post without it, with a wrong one, an old one, another browser's or another
session's, or from another site is refused with API.md's 403 FORBIDDEN."""
import json
from types import SimpleNamespace

import pytest
from werkzeug.datastructures import Headers
from werkzeug.http import parse_cookie
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway.cors import CorsPolicy
from gateway.csrf import COOKIE, FIELD, HEADER, SECURE_COOKIE, TOKEN_SECONDS, check_csrf, csrf_token
from gateway.web import ApiCall, ApiRoute, error_response, parse_form
from plumbing.actors import Actor
from plumbing.errors import DomainError

NOW = 1_800_000_000
HTTP = SimpleNamespace(jwt_secret="test-secret", jwt_public_key=None, jwt_private_key=None,
                       public_base_url="http://127.0.0.1:8000")
HTTPS = SimpleNamespace(**{**vars(HTTP), "public_base_url": "https://fangxin.example.cn"})


def call(method="GET", cookie=None, form=None, name=COOKIE, actor=None, **headers):
    sent = Headers(headers)
    if cookie is not None:
        sent["Cookie"] = f"{name}={cookie}"
    return ApiCall(request_id="r", method=method, headers=sent, form=form or {}, actor=actor)


def given(settings=HTTP, bound_to=None, now=NOW, actor=None):
    """(cookie, token, response) a browser without a cookie gets with a form."""
    response = Response("<form>", content_type="text/html")
    token = csrf_token(call(actor=actor), response, settings, bound_to=bound_to, now=now)
    set_cookie = response.headers["Set-Cookie"]
    name = SECURE_COOKIE if settings is HTTPS else COOKIE
    return parse_cookie(set_cookie)[name], token, response


def refusal(posted, settings=HTTP, bound_to=None, now=NOW):
    with pytest.raises(DomainError) as refused:
        check_csrf(posted, settings, bound_to=bound_to, now=now)
    return refused.value


def test_a_form_posted_with_its_token_and_cookie_passes():
    cookie, token, _ = given()
    check_csrf(call("POST", cookie, {FIELD: token}), HTTP, now=NOW + 60)
    check_csrf(call("POST", cookie, **{HEADER: token}), HTTP, now=NOW + 60)  # or as a header


def test_the_cookie_is_http_only_same_site_and_the_page_never_cached():
    _, _, response = given()
    set_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie and "Path=/" in set_cookie
    assert "Secure" not in set_cookie  # http: a Secure cookie would never come back
    assert response.cache_control.no_store and response.cache_control.private


def test_over_https_the_cookie_is_secure_and_host_only():
    cookie, token, response = given(HTTPS)
    set_cookie = response.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{SECURE_COOKIE}=") and "Secure" in set_cookie
    assert "Domain" not in set_cookie
    check_csrf(call("POST", cookie, {FIELD: token}, name=SECURE_COOKIE), HTTPS, now=NOW)
    # the plain name does not count over https: a neighbour could have set it
    assert refusal(call("POST", cookie, {FIELD: token}), HTTPS).details == {"csrf": "cookie"}


def test_a_browser_that_has_the_cookie_keeps_it():
    cookie, _, _ = given()
    response = Response("<form>")
    token = csrf_token(call(cookie=cookie), response, HTTP, now=NOW)
    assert "Set-Cookie" not in response.headers
    check_csrf(call("POST", cookie, {FIELD: token}), HTTP, now=NOW)


@pytest.mark.parametrize("posted, reason", [
    (lambda cookie, token: call("POST", None, {FIELD: token}), "cookie"),
    (lambda cookie, token: call("POST", "short", {FIELD: token}), "cookie"),
    (lambda cookie, token: call("POST", cookie), "token"),
    (lambda cookie, token: call("POST", cookie, {FIELD: "not a token"}), "token"),
    (lambda cookie, token: call("POST", cookie, {FIELD: token[:-1] + ("A" if token[-1] != "A"
                                                                        else "B")}), "invalid"),
    (lambda cookie, token: call("POST", "x" * 43, {FIELD: token}), "invalid"),  # another cookie
    (lambda cookie, token: call("POST", cookie, {FIELD: "1" + token}), "expired"),
    (lambda cookie, token: call("POST", cookie, {FIELD: token}, **{"Sec-Fetch-Site":
                                                                    "cross-site"}),
     "cross_site"),
], ids=["no cookie", "bad cookie", "no token", "bad token", "wrong token", "other browser",
        "issued later", "cross-site"])
def test_a_post_without_the_right_token_is_refused_403_forbidden(posted, reason):
    cookie, token, _ = given()
    refused = refusal(posted(cookie, token))
    assert (refused.status, refused.code, refused.details) == (403, "FORBIDDEN",
                                                               {"csrf": reason})
    answer = error_response(refused)
    assert answer.status_code == 403
    assert json.loads(answer.get_data())["error"]["code"] == "FORBIDDEN"


def test_a_token_expires():
    cookie, token, _ = given()
    check_csrf(call("POST", cookie, {FIELD: token}), HTTP, now=NOW + TOKEN_SECONDS)
    assert refusal(call("POST", cookie, {FIELD: token}),
                   now=NOW + TOKEN_SECONDS + 1).details == {"csrf": "expired"}


def test_a_token_bound_to_a_session_holds_for_that_session_only():
    cookie, token, _ = given(bound_to="consumer-1")
    check_csrf(call("POST", cookie, {FIELD: token}), HTTP, bound_to="consumer-1", now=NOW)
    for other in ("consumer-2", ""):
        assert refusal(call("POST", cookie, {FIELD: token}),
                       bound_to=other).details == {"csrf": "invalid"}


def consumer(sub):
    return Actor(sub=sub, role="consumer")


def test_a_signed_in_callers_token_holds_for_that_caller_only():
    cookie, token, _ = given(actor=consumer("consumer-1"))
    check_csrf(call("POST", cookie, {FIELD: token}, actor=consumer("consumer-1")), HTTP, now=NOW)
    for other in (consumer("consumer-2"), None):  # someone else, or signed out
        assert refusal(call("POST", cookie, {FIELD: token}, actor=other)).details == {
            "csrf": "invalid"}
    before_sign_in = csrf_token(call(cookie=cookie), Response(), HTTP, now=NOW)
    assert refusal(call("POST", cookie, {FIELD: before_sign_in},
                        actor=consumer("consumer-1"))).details == {"csrf": "invalid"}


def test_another_key_makes_other_tokens():
    cookie, token, _ = given()
    other = SimpleNamespace(**{**vars(HTTP), "jwt_secret": "another-secret"})
    assert refusal(call("POST", cookie, {FIELD: token}), other).details == {"csrf": "invalid"}


def test_with_rs256_the_private_key_signs_and_without_it_nothing_can_be_signed():
    rs256 = SimpleNamespace(**{**vars(HTTP), "jwt_secret": None, "jwt_public_key": "PUBLIC",
                               "jwt_private_key": "PRIVATE"})
    cookie, token, _ = given(rs256)
    check_csrf(call("POST", cookie, {FIELD: token}), rs256, now=NOW)
    public_only = SimpleNamespace(**{**vars(rs256), "jwt_private_key": None})
    with pytest.raises(DomainError) as refused:
        given(public_only)
    assert refused.value.status == 503


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_need_no_token(method):
    check_csrf(call(method), HTTP, now=NOW)


# --- the form bodies web.py reads for csrf=True routes ---------------------------------------

def test_a_form_body_is_read_into_a_dict():
    assert parse_form(b"csrf_token=1.abc&name=%E6%94%BE%E5%BF%83&empty=") == {
        "csrf_token": "1.abc", "name": "放心", "empty": ""}


@pytest.mark.parametrize("raw", [b"a=%FF", "&".join(f"f{i}=1" for i in range(101)).encode()])
def test_a_body_that_is_not_a_small_form_is_400(raw):
    with pytest.raises(DomainError) as refused:
        parse_form(raw)
    assert (refused.value.status, refused.value.code) == (400, "BAD_REQUEST")


# --- @api(..., csrf=True): web.py reads the form and checks its token before the handler -------

def form_route():
    """A csrf=True route whose handler answers with the form it was given."""
    route = ApiRoute("POST", "/forms/test", csrf=True)
    edge_settings = SimpleNamespace(**vars(HTTP), cors=CorsPolicy(), public_cache_seconds=10,
                                    max_body_bytes=1024)
    route.edge = SimpleNamespace(settings=edge_settings, rate_limits=SimpleNamespace(
        trusted_proxies=0), rate_limiter=SimpleNamespace(check=lambda *args: None))
    route.container = SimpleNamespace(spawn_worker=lambda provider, args, kwargs, context_data,
                                      handle_result: handle_result(None, {"form": args[0].form},
                                                                   None))
    return route


def posted_form(route, cookie, fields):
    """(status, JSON body) of a form posted by a client that asks for JSON answers."""
    headers = {"Accept": "application/json", **({"Cookie": f"{COOKIE}={cookie}"} if cookie
                                                 else {})}
    sent = EnvironBuilder(path="/forms/test", method="POST", data=fields, headers=headers)
    request = Request(sent.get_environ())
    request.path_values = {}
    response = route.handle_request(request)
    return response.status_code, json.loads(response.get_data())


def test_a_csrf_route_refuses_a_form_without_its_token_and_takes_one_with_it():
    route = form_route()
    cookie, token, _ = given(now=None)
    assert posted_form(route, cookie, {"name": "放心", FIELD: token}) == (
        200, {"form": {"name": "放心", FIELD: token}})
    for sent_cookie, fields, reason in ((cookie, {"name": "x"}, "token"),
                                        (cookie, {FIELD: "1.wrong"}, "token"),
                                        (None, {FIELD: token}, "cookie")):
        status, body = posted_form(route, sent_cookie, fields)
        assert status == 403, body
        assert body["error"]["code"] == "FORBIDDEN" and body["error"]["details"] == {
            "csrf": reason}


def test_a_browser_refused_by_a_form_reads_a_page():
    route = form_route()
    sent = EnvironBuilder(path="/forms/test", method="POST", data={"name": "x"},
                          headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    request = Request(sent.get_environ())
    request.path_values = {}
    response = route.handle_request(request)
    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "页面已过期" in response.get_data(as_text=True)
