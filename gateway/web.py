"""The gateway's HTTP entrypoint: request ids, authentication, JSON bodies and the error
format of API.md, for every route in one place.

A route is declared with ``@api(method, path, roles=..., body=..., query=..., ...)``; its
handler receives one ``ApiCall`` and returns a dict (200), ``(status, dict)``, or a werkzeug
``Response``. The same declaration feeds /openapi.json. A route that an HTML form posts to is
declared ``csrf=True``: its urlencoded body arrives as ``call.form`` and its CSRF token is
checked before the handler runs (gateway/csrf.py). A page for a phone's browser is declared
``page=True``: ``call.actor`` is the consumer of its session cookie, or None.
"""
import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import parse_qsl

from eventlet.event import Event
from marshmallow import EXCLUDE, ValidationError
from nameko.extensions import SharedExtension
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from prometheus_client import Counter, Histogram
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from gateway.auth import SESSION_COOKIE, TokenVerifier, bearer_token
from gateway.connections import LingeringProtocol
from gateway.csrf import check_csrf
from gateway.headers import finish
from gateway.i18n import DEFAULT_LOCALE, error_message, negotiate
from gateway.pages import error_page
from gateway.rate_limits import RateLimiter, client_ip, load_rate_limit_settings
from gateway.settings import load_settings
from plumbing.actors import ROLES, Actor
from plumbing.context import REQUEST_ID_KEY, new_request_id
from plumbing.errors import DomainError, forbidden, invalid

log = logging.getLogger(__name__)

SIGNED_IN = ROLES
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_SHAPE = re.compile(r"^[A-Za-z0-9._-]{1,128}\Z")
# token-less routes under these prefixes count against RATE_LIMIT_PUBLIC_PER_IP
PUBLIC_PREFIXES = ("/api/v1/public/", "/s/")
API_PREFIX = "/api/"
UNROUTED = ("(no route)", "*")  # the metrics' route and method of what no route takes
FORM = "application/x-www-form-urlencoded"
MAX_FORM_FIELDS = 100

HTTP_REQUESTS = Counter("fangxin_http_requests_total", "Gateway requests",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram("fangxin_http_request_latency_seconds", "Gateway request latency",
                         ["route", "method"],
                         buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                  2.5, 5, 10))


def bad_request(message):
    return DomainError("BAD_REQUEST", message, status=400)


@dataclass
class ApiCall:
    """Everything a route handler needs from the request, already checked."""
    request_id: str
    method: str = "GET"
    actor: Actor = None
    body: object = None
    form: dict = field(default_factory=dict)  # a csrf=True route's urlencoded form
    query: dict = field(default_factory=dict)
    path: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    locale: str = DEFAULT_LOCALE


class Edge(SharedExtension):
    """Settings, the token verifier and the rate limiter, shared by every route of the
    container."""

    def setup(self):
        self.settings = load_settings()
        self.verifier = TokenVerifier(self.settings)
        self.rate_limits = load_rate_limit_settings()
        self.rate_limiter = RateLimiter(self.rate_limits)


class ApiServer(WebServer):
    """nameko's web server, answering what no route takes as the routes answer their refusals
    (API.md's error body, or a page for a browser): a path no route has is 404 ``NOT_FOUND``,
    a method its path has no route for 405 ``METHOD_NOT_ALLOWED`` with ``Allow``. Its
    connections end gracefully when a body was left unread (gateway/connections.py)."""
    edge = Edge()

    def get_wsgi_app(self):
        return ApiWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=LingeringProtocol, debug=False):
        return super().get_wsgi_server(sock, wsgi_app, protocol, debug)

    def unrouted(self, request, exc):
        def refuse(request_id_, locale_):
            raise unrouted_error(request, exc)
        # under /api/ always JSON: API clients often accept */*, which a browser's pages take
        response = answer(request, self.edge.settings, refuse,
                          not request.path.startswith(API_PREFIX), False, UNROUTED)
        if isinstance(exc, MethodNotAllowed):
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response


class ApiWsgiApp(WsgiApp):
    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)  # as nameko's: the route reads the body
        try:
            provider, request.path_values = self.url_map.bind_to_environ(environ).match()
        except (NotFound, MethodNotAllowed) as exc:
            response = self.server.unrouted(request, exc)
        except HTTPException as exc:  # a redirect to the path without its extra slashes
            response = exc
        else:
            response = provider.handle_request(request)
        return response(environ, start_response)


def unrouted_error(request, exc):
    if isinstance(exc, MethodNotAllowed):
        return DomainError("METHOD_NOT_ALLOWED", f"{request.method} is not a method of this "
                           f"path; it takes {', '.join(sorted(exc.valid_methods))}", 405,
                           {"allowed_methods": sorted(exc.valid_methods)})
    return DomainError("NOT_FOUND", "no such path", 404)


class ApiRoute(HttpRequestHandler):
    edge = Edge()
    server = ApiServer()

    def __init__(self, method, url, roles=None, body=None, query=None, response=None,
                 status=200, summary="", tags=(), errors=(), rate_limit=None,
                 cacheable=False, csrf=False, page=False, **kwargs):
        kwargs.setdefault("expected_exceptions", (DomainError,))
        super().__init__(method, url, **kwargs)
        self.roles = roles
        self.body_schema = body
        self.query_schema = query
        self.response_schema = response
        self.status = status
        self.summary = summary
        self.tags = tuple(tags)
        self.errors = tuple(errors)
        public = roles is None and url.startswith(PUBLIC_PREFIXES)
        self.rate_limit = rate_limit or ("public" if public else None)
        self.cacheable = cacheable  # public answers: ETag, 304, Cache-Control max-age
        self.csrf = csrf  # an HTML form's target: call.form, and its CSRF token checked
        self.page = page  # a page for a browser: the actor from the session cookie, or None

    @property
    def for_browsers(self):
        """A page or a page's form: its refusals are pages too, unless JSON is asked for."""
        return self.page or self.csrf

    def handle_request(self, request):
        return answer(request, self.edge.settings, partial(self._respond, request),
                      self.for_browsers, self.cacheable, (self.url, self.method))

    def _respond(self, request, request_id, locale):
        if request.method == "OPTIONS":
            return self._preflight(request)
        return self._run(request, request_id, locale)

    def get_url_rule(self):
        # each route's path also answers browsers' CORS preflights
        return Rule(self.url, methods=[self.method, "OPTIONS"])

    def _preflight(self, request):
        answer = self.edge.settings.cors.preflight(request.headers)
        if answer is None:
            raise forbidden(message="this origin or method may not call the API (CORS_ORIGINS)")
        return answer

    def _run(self, request, request_id, locale):
        request.shallow = False  # nameko's server makes requests shallow; bodies are read here
        actor = self._authenticate(request)
        self._count_against_limits(request, actor)
        call = ApiCall(
            request_id=request_id,
            method=request.method,
            actor=actor,
            body=self._body(request),
            form=self._form(request) if self.csrf else {},
            query=self._query(request),
            path=dict(request.path_values),
            headers=request.headers,
            locale=locale,
        )
        if self.csrf:
            check_csrf(call, self.edge.settings)
        done = Event()
        self.container.spawn_worker(
            self, (call,), {}, context_data={REQUEST_ID_KEY: request_id},
            handle_result=partial(self.handle_result, done))
        return to_response(done.wait(), self.status)

    def _authenticate(self, request):
        if self.page:
            return self._session_actor(request)
        if self.roles is None:
            return None
        actor = self.edge.verifier.verify(bearer_token(request.headers.get("Authorization")))
        if actor.role not in self.roles:
            raise DomainError("FORBIDDEN", f"this route is for: {', '.join(self.roles)}", 403)
        return actor

    def _session_actor(self, request):
        """The signed-in consumer of a browser's session cookie (the sign-in pages set it), or
        None: the page sends a stranger to sign in."""
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        try:
            return self.edge.verifier.verify(token)
        except DomainError:
            return None

    def _count_against_limits(self, request, actor):
        ip = client_ip(request.remote_addr, request.headers.get("X-Forwarded-For"),
                       self.edge.rate_limits.trusted_proxies)
        self.edge.rate_limiter.check(self.rate_limit, actor, ip)

    def _body(self, request):
        if self.body_schema is None:
            return None
        return parse_json(self._raw_body(request, "application/json"))

    def _form(self, request):
        if request.mimetype != FORM:
            return {}
        return parse_form(self._raw_body(request, FORM))

    def _raw_body(self, request, mimetype):
        limit = self.edge.settings.max_body_bytes
        if request.content_length is not None and request.content_length > limit:
            raise payload_too_large(limit)
        if request.mimetype != mimetype:
            raise bad_request(f"send the body as {mimetype}")
        # eventlet's input decodes chunked bodies too, which werkzeug's stream would not read
        raw = request.environ["wsgi.input"].read(limit + 1)
        if len(raw) > limit:
            raise payload_too_large(limit)
        return raw

    def _query(self, request):
        if self.query_schema is None:
            return {}
        try:
            query = self.query_schema(unknown=EXCLUDE).load(request.args)
        except ValidationError as exc:
            raise invalid(exc.normalized_messages()) from None
        # dates travel over RPC as ISO strings
        return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in query.items()}


api = ApiRoute.decorator


def answer(request, settings, respond, for_browsers, cacheable, route):
    """The answer ``respond(request_id, locale)`` gives, or API.md's error body of what it raised
    (a page when it is for browsers and a browser asked), with the headers of every answer,
    counted under ``route`` (path, method)."""
    started = time.perf_counter()
    request_id = _request_id(request)
    locale = negotiate(request.headers.get("Accept-Language"))
    try:
        response = respond(request_id, locale)
    except Exception as exc:
        response = error_response(exc, locale)
        if for_browsers and wants_html(request):
            response = error_page(response, locale)
    finish(request, response, settings, locale, cacheable)
    response.headers[REQUEST_ID_HEADER] = request_id
    HTTP_REQUESTS.labels(*route, response.status_code).inc()
    HTTP_LATENCY.labels(*route).observe(time.perf_counter() - started)
    return response


def _request_id(request):
    supplied = request.headers.get(REQUEST_ID_HEADER, "")
    return supplied if _REQUEST_ID_SHAPE.match(supplied) else new_request_id()


def payload_too_large(limit):
    return DomainError("PAYLOAD_TOO_LARGE", f"the body is larger than {limit} bytes", 413)


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text} is out of range")
    return value


def parse_json(raw):
    if not raw.strip():
        raise bad_request("the body is empty; send a JSON object")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant,
                          parse_float=_finite_float)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise bad_request("the body is not valid JSON") from None


def parse_form(raw):
    """An urlencoded form as a dict (a repeated field: its last value)."""
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=MAX_FORM_FIELDS))
    except (ValueError, UnicodeDecodeError):
        raise bad_request(f"the body is not a form of at most {MAX_FORM_FIELDS} fields") \
            from None


def json_response(status, payload, headers=None):
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def to_response(result, default_status):
    if isinstance(result, Response):
        return result
    if isinstance(result, tuple):
        status, payload = result
        return json_response(status, payload)
    return json_response(default_status, result)


def wants_html(request):
    """A browser's request (HTML first, or anything), not an API client's asking for JSON."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) != (
        "application/json")


def error_response(exc, locale="en"):
    """API.md's error body; the message in ``locale`` (gateway/i18n.py)."""
    if isinstance(exc, DomainError):
        headers = None
        if exc.status == 503:
            headers = {"Retry-After": "1"}
        elif exc.status == 429:
            headers = {"Retry-After": str(exc.details["retry_after_seconds"])}
        return json_response(exc.status, {"error": {
            "code": exc.code, "message": error_message(exc.code, exc.message, locale),
            "details": exc.details}}, headers)
    log.exception("unexpected error answering a request")
    return json_response(500, {"error": {
        "code": "INTERNAL_ERROR",
        "message": error_message("INTERNAL_ERROR", "an unexpected error; it has been logged",
                                 locale),
        "details": {}}})
