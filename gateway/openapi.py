"""/openapi.json, built from the routes' declarations, the marshmallow schemas and what
gateway/openapi_docs.py says of each route (error codes, examples, media).

A schema's ``required=True`` fields are the document's ``required``: in a body, what must be
sent (none in a PATCH); in an answer, what its builder always sets. Answers are not loaded
through their schemas, so there the flag only documents, and tests/e2e/test_contracts_live.py
holds real answers to it."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from contracts import errors
from gateway import openapi_docs as docs
from gateway.auth import SESSION_COOKIE
from gateway.web import ApiRoute
from plumbing.ecma_patterns import ecma_patterns

ERROR_STATUSES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 403: "FORBIDDEN",
                  404: "NOT_FOUND", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE",
                  422: "VALIDATION_ERROR", 429: "RATE_LIMITED",
                  503: "UNAVAILABLE"}
_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")
DESCRIPTION = """The HTTP contract of Fangxin (docs/API.md). Errors are \
`{"error": {"code", "message", "details"}}`; `Accept-Language` picks zh-CN (default) or en for \
messages and store pages. Every answer carries `X-Request-ID`. Store pages, merchant search and \
campaign lists carry an `ETag`: send it back in `If-None-Match` to get 304. The events the \
services publish are described by /asyncapi.json."""
_STRING = {"schema": {"type": "string"}}
REQUEST_ID = {"X-Request-ID": {"description": "echoed from the request, or generated",
                               **_STRING}}
CACHE_HEADERS = {"ETag": {"description": "a hash of the body", **_STRING},
                 "Cache-Control": {"description": "public, max-age=PUBLIC_CACHE_SECONDS",
                                   **_STRING}}
SERVER = {"url": "/", "description": "the gateway that serves this document"}
SESSION_SCHEME = {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                  "description": "a consumer token, set by the sign-in pages (/m/sign-in)"}
LOCATION = {"Location": {"description": "the page to go to", **_STRING}}
RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True, metadata={
        "description": "in the language Accept-Language asked for (zh-CN by default)"})
    details = fields.Dict(metadata={"description": "422: field → messages"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


def routes_of(service_cls):
    """(handler name, route) of every ApiRoute of ``service_cls``."""
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiRoute):
                yield name, entrypoint


def build_spec(service_cls, title="Fangxin API", version="1.0.0"):
    spec = APISpec(title=title, version=version, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION},
                   servers=[SERVER])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "bearerFormat": "JWT"})
    spec.components.security_scheme("session", SESSION_SCHEME)
    spec.components.schema("Error", schema=ErrorSchema)
    for tag, description in docs.TAGS.items():
        spec.tag({"name": tag, "description": description})
    for name, route in sorted(routes_of(service_cls), key=lambda r: (r[1].url, r[1].method)):
        path = _PATH_PARAM.sub(r"{\1}", route.url)
        spec.path(path=path, operations={route.method.lower(): _operation(name, route)})
    return ecma_patterns(models_first(spec.to_dict()))


def models_first(node):
    """apispec writes a nullable nested schema as ``anyOf: [{nullable object}, {$ref}]``; a
    generated client tries the alternatives in order and so never builds the model: the model
    first (validation does not depend on the order)."""
    if isinstance(node, dict):
        node = {key: models_first(value) for key, value in node.items()}
        alternatives = node.get("anyOf")
        if isinstance(alternatives, list) and len(alternatives) == 2 and \
                "$ref" in alternatives[1] and alternatives[0].get("nullable"):
            node["anyOf"] = alternatives[::-1]
        return node
    if isinstance(node, list):
        return [models_first(item) for item in node]
    return node


def _operation(name, route):
    operation = {"operationId": name, "summary": route.summary,
                 "tags": list(route.tags) or ["system"], "responses": _responses(name, route)}
    parameters = [{"in": "path", "name": param, "required": True, "schema": {"type": "string"}}
                  for param in _PATH_PARAM.findall(route.url)]
    if route.query_schema is not None:
        parameters.append({"in": "query", "schema": route.query_schema})
    if name in docs.IDEMPOTENT:
        parameters.append({"in": "header", "name": "Idempotency-Key", "required": False,
                           "schema": {"type": "string", "maxLength": 255}, "description":
                           "a retry with the same key and body gets the first answer"})
    if route.cacheable:
        parameters.append({"in": "header", "name": "If-None-Match", "required": False,
                           "schema": {"type": "string"},
                           "description": "the ETag of a copy you have: 304 if unchanged"})
    if parameters:
        operation["parameters"] = parameters
    if route.body_schema is not None:
        body = {"schema": _body_schema(route)}
        if name in docs.REQUEST_EXAMPLES:
            body["example"] = docs.REQUEST_EXAMPLES[name]
        operation["requestBody"] = {"required": True, "content": {"application/json": body}}
    operation["security"], operation["description"] = _callers(route)
    return operation


def _body_schema(route):
    # a PATCH sends only the fields it changes: none is required (the service loads it partial)
    return route.body_schema(partial=True) if route.method == "PATCH" else route.body_schema


def _callers(route):
    """(security requirements, description) of who may call ``route``."""
    if route.roles is not None:
        return [{"bearer": []}], "Roles: " + ", ".join(route.roles) + "."
    if route.page:  # {} makes the cookie optional: the page asks a stranger to sign in
        return [{"session": []}, {}], ("A page for the consumer of the session cookie; a "
                                       "stranger is sent to sign in, or refused.")
    return [], "Anyone: no token needed."


def _responses(name, route):
    responses = {str(route.status): _success(name, route)}
    if name in docs.ALSO_SUCCEEDS:
        status, description = docs.ALSO_SUCCEEDS[name]
        responses[str(status)] = {**_success(name, route), "description": description}
    if route.cacheable:
        responses["304"] = {"description": "not modified: the If-None-Match ETag still holds",
                            "headers": {**REQUEST_ID, **CACHE_HEADERS}}
    for status, codes in sorted(_error_codes(name, route).items()):
        responses[str(status)] = _error(name, status, codes, route)
    return responses


def _success(name, route):
    headers = {**REQUEST_ID, **(CACHE_HEADERS if route.cacheable else {})}
    success = {"description": "success", "headers": headers}
    if route.status == 303:  # a page's form, done: the browser goes on to the next page
        success = {"description": "see other: done, the next page is at Location",
                   "headers": {**headers, **LOCATION}}
    if name in docs.MEDIA:
        media, schema = docs.MEDIA[name]
        success["content"] = {each: {"schema": schema}
                              for each in (media if isinstance(media, tuple) else (media,))}
    elif route.response_schema is not None:
        success["content"] = {"application/json": {"schema": route.response_schema}}
    elif name in docs.DOCUMENTS:
        success["content"] = {"application/json": {"schema": {
            "type": "object", "description": docs.DOCUMENTS[name]}}}
    return success


def _error_codes(name, route):
    """Status → the codes the route may answer with."""
    statuses = set(route.errors) | {503}
    if route.body_schema is not None:
        statuses |= {400, 413, 422}
    if route.query_schema is not None:
        statuses.add(422)
    if route.roles is not None:
        statuses |= {401, 403}
    if route.rate_limit is not None:
        statuses.add(429)
    named = docs.ERRORS.get(name, ())
    statuses |= {docs.CODE_STATUS[code] for code in named}
    return {status: sorted({code for code in named if docs.CODE_STATUS[code] == status}
                           | ({docs.GENERIC_CODES[status]} if status in docs.GENERIC_CODES
                              else set()))
            for status in statuses}


def _error(name, status, codes, route):
    examples = {code: {"summary": code, "value": {"error": {
        "code": code, "message": errors.zh_cn_message(code, code),
        "details": {"name": ["Missing data for required field."]}
        if code == "VALIDATION_ERROR" else {}}}} for code in codes}
    content = {"application/json": {"schema": "Error", "examples": examples}}
    if route.for_browsers or name in docs.HTML_ERRORS:
        content["text/html"] = {"schema": {"type": "string"}}
    headers = {**REQUEST_ID, **(RETRY_AFTER if status in (429, 503) else {})}
    return {"description": ERROR_STATUSES.get(status, "error"), "headers": headers,
            "content": content}
