"""/openapi.json, built from the routes' declarations and the marshmallow schemas."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from gateway.web import ApiRoute

ERROR_STATUSES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN",
                  404: "NOT_FOUND", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE",
                  422: "VALIDATION_ERROR", 429: "RATE_LIMITED",
                  503: "UNAVAILABLE"}
_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")


class ErrorBodySchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def routes_of(service_cls):
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiRoute):
                yield entrypoint


def build_spec(service_cls, title="Fangxin API", version="1.0.0"):
    spec = APISpec(title=title, version=version, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=ErrorSchema)
    for route in sorted(routes_of(service_cls), key=lambda r: (r.url, r.method)):
        path = _PATH_PARAM.sub(r"{\1}", route.url)
        spec.path(path=path, operations={route.method.lower(): _operation(route)})
    return spec.to_dict()


def _operation(route):
    operation = {"summary": route.summary, "tags": list(route.tags) or ["system"],
                 "responses": _responses(route)}
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in _PATH_PARAM.findall(route.url)]
    if route.query_schema is not None:
        parameters.append({"in": "query", "schema": route.query_schema})
    if parameters:
        operation["parameters"] = parameters
    if route.body_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": route.body_schema}}}
    if route.roles is not None:
        operation["security"] = [{"bearer": []}]
        operation["description"] = "Roles: " + ", ".join(route.roles)
    return operation


def _responses(route):
    success = {"description": "success"}
    if route.response_schema is not None:
        success["content"] = {"application/json": {"schema": route.response_schema}}
    responses = {str(route.status): success}
    statuses = set(route.errors) | {503}
    if route.body_schema is not None:
        statuses |= {400, 413, 422}
    if route.query_schema is not None:
        statuses.add(422)
    if route.roles is not None:
        statuses |= {401, 403}
    if route.rate_limit is not None:
        statuses.add(429)
    for status in sorted(statuses):
        responses[str(status)] = {"description": ERROR_STATUSES.get(status, "error"),
                                  "content": {"application/json": {"schema": "Error"}}}
    return responses
