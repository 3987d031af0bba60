"""The event envelope every service publishes: facts, in the past tense (DESIGN.md rule 2)."""
import uuid

from marshmallow import Schema, fields, validate
from nameko.events import get_event_exchange

from plumbing.clock import to_rfc3339


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]*\Z"))
    source = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]*\Z"))
    occurred_at = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    data = fields.Dict(required=True)


_envelope_schema = EnvelopeSchema()


def new_event(source, event_type, data, clock, version=1):
    return {
        "event_id": uuid.uuid4().hex,
        "type": event_type,
        "source": source,
        "occurred_at": to_rfc3339(clock.now()),
        "version": version,
        "data": data,
    }


def routing_key(event_type, version=1):
    """The routing key an event's envelope of ``version`` is published under: the event type
    for version 1 (what every consumer bound before versions existed), ``<type>.v<N>`` for a
    newer version N, so a consumer of one version never receives another's shape."""
    return event_type if version == 1 else f"{event_type}.v{version}"


def validate_envelope(payload):
    """Field → messages for a malformed envelope, or an empty dict when it is well formed."""
    if not isinstance(payload, dict):
        return {"_schema": ["an event must be a JSON object"]}
    return _envelope_schema.validate(payload)


def text_field(payload, name):
    """``data[name]`` of an event when it is a string, else None: for handlers that take only
    a hint from an event (which cache entry to drop) and need no claim on it."""
    data = payload.get("data") if isinstance(payload, dict) else None
    value = data.get(name) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def exchange_for(source, config):
    """The topic exchange nameko's EventDispatcher and event_handler use for ``source``."""
    return get_event_exchange(source, config)
