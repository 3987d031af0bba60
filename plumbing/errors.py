"""Errors that cross the RPC boundary intact.

A service raises ``DomainError`` (or a subclass's instance built with a code from API.md);
nameko serialises its arguments and, because the class is registered with
``deserialize_to_instance``, the gateway receives the same exception and maps it to HTTP.
"""
import json

from marshmallow import ValidationError
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class DomainError(Exception):
    def __init__(self, code, message, status=409, details=None):
        # nameko turns every argument that is not a string into one on the wire, so the
        # arguments travel as strings (details as JSON) and are read back here
        if isinstance(details, str):
            details = json.loads(details)
        super().__init__(code, message, str(status), json.dumps(details or {}, ensure_ascii=False))
        self.code = code
        self.message = message
        self.status = int(status)
        self.details = details or {}

    def __str__(self):
        return f"{self.code}: {self.message}"


class ServiceUnavailable(DomainError):
    """503: a service or the broker is not answering; safe to retry."""

    def __init__(self, message="a service is not answering; retry shortly", details=None):
        super().__init__("UNAVAILABLE", message, status=503, details=details)


def unavailable(message):
    """503 raised by a service: a plain DomainError, so that it crosses RPC intact (the
    ServiceUnavailable subclass is not registered for deserialisation)."""
    return DomainError("UNAVAILABLE", message, status=503)


def not_found(code="NOT_FOUND", message="not found"):
    return DomainError(code, message, status=404)


def conflict(code, message, details=None):
    return DomainError(code, message, status=409, details=details)


def forbidden(code="FORBIDDEN", message="not allowed", details=None):
    return DomainError(code, message, status=403, details=details)


def invalid(details, message="the request is not valid"):
    """422 with field → messages, the shape marshmallow's ValidationError gives."""
    return DomainError("VALIDATION_ERROR", message, status=422, details=details)


def validated(schema, payload):
    """``schema.load(payload)``, or a 422 with marshmallow's field → messages."""
    try:
        return schema.load(payload)
    except ValidationError as exc:
        raise invalid(exc.normalized_messages()) from None
