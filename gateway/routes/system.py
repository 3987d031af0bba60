"""Health, readiness, metrics, the API document, its viewer, and development tokens."""
from pathlib import Path

import eventlet
import swagger_ui_bundle
from werkzeug.wrappers import Response

from contracts.events_document import events_document
from gateway.auth import claims_for_a_token, issue_token
from gateway.openapi import build_spec
from gateway.schemas import DevTokenRequestSchema, StatusSchema, TokenSchema
from gateway.web import api, json_response
from plumbing.errors import DomainError, ServiceUnavailable, validated
from plumbing.metrics import exposition

SERVICES = ("registry", "complaints", "coupons", "notifications")
DOCS_ASSETS = {"swagger-ui.css": "text/css",
               "swagger-ui-bundle.js": "application/javascript",
               "swagger-ui-standalone-preset.js": "application/javascript"}
DOCS_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Fangxin API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


class SystemRoutes:
    _openapi = None

    @api("GET", "/healthz", response=StatusSchema, summary="The process is alive")
    def healthz(self, call_):
        return {"status": "ok"}

    @api("GET", "/readyz", response=StatusSchema,
         summary="200 when the broker and every service answer, else 503")
    def readyz(self, call_):
        timeout = self.settings.ready_timeout_seconds
        pool = eventlet.GreenPool(len(SERVICES))
        states = dict(pool.imap(lambda name: (name, self._probe(name, timeout)), SERVICES))
        if any(state != "ok" for state in states.values()):
            raise ServiceUnavailable("not ready", {"services": states})
        return {"status": "ready", "services": states}

    def _probe(self, service, timeout):
        try:
            getattr(self, service).within(timeout).health()
            return "ok"
        except DomainError as exc:
            return exc.message
        except Exception as exc:  # a service whose store is down answers with its error
            return f"unhealthy: {type(exc).__name__}"

    @api("GET", "/echoz/<service>", response=StatusSchema, errors=(404, 503),
         rate_limit="public",
         summary="One RPC to a service that answers without I/O: the bus's own cost "
                 "(limited per address like the public routes)")
    def echoz(self, call_):
        service = call_.path["service"]
        if service not in SERVICES:
            raise DomainError("NOT_FOUND", "no such service", 404)
        return getattr(self, service).echo()

    @api("GET", "/metrics", summary="Prometheus metrics of the gateway")
    def metrics(self, call_):
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    @api("GET", "/openapi.json", summary="This document")
    def openapi(self, call_):
        if SystemRoutes._openapi is None:
            SystemRoutes._openapi = build_spec(type(self))
        return SystemRoutes._openapi

    @api("GET", "/asyncapi.json", summary="The events the services publish (AsyncAPI 2.6): "
                                          "exchanges, routing keys, payloads, examples")
    def asyncapi(self, call_):
        return events_document()

    @api("GET", "/docs", summary="The API document, rendered")
    def docs(self, call_):
        return Response(DOCS_PAGE, content_type="text/html; charset=utf-8")

    @api("GET", "/docs/static/<asset>", summary="Assets of the API viewer", errors=(404,))
    def docs_asset(self, call_):
        asset = call_.path["asset"]
        if asset not in DOCS_ASSETS:
            raise DomainError("NOT_FOUND", "no such asset", 404)
        content = (Path(swagger_ui_bundle.swagger_ui_path) / asset).read_bytes()
        return Response(content, content_type=DOCS_ASSETS[asset],
                        headers={"Cache-Control": "public, max-age=86400"})

    @api("POST", "/api/v1/auth/dev-token", body=DevTokenRequestSchema, response=TokenSchema,
         status=201, tags=["auth"], errors=(404,),
         summary="A development token (only when DEV_AUTH=1)")
    def dev_token(self, call_):
        settings = self.settings
        if not settings.dev_auth:
            raise DomainError("NOT_FOUND", "development tokens are off", 404)
        claims = claims_for_a_token(validated(DevTokenRequestSchema(), call_.body))
        return json_response(201, {"token": issue_token(settings, claims)})
