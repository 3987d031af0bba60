"""An AsyncAPI 2.6 document of the events, generated from their contracts
(plumbing/event_contracts.py): one channel per (exchange, routing key), the envelope with each
event's ``data`` schema, and an example of each. Every version of an event in the catalogue is
a message and a channel of its own (version 1 under the event type, a version N > 1 under
``<type>.v<N>``); an older version carries the last day it is published in its description and
in ``x-deprecated-after``.

Payload schemas are OpenAPI 3.0 schema objects (``schemaFormat``), converted from the
marshmallow schemas by apispec, the same converter that builds /openapi.json.
"""
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from plumbing.ecma_patterns import ecma_patterns

ASYNCAPI_VERSION = "2.6.0"
DOCUMENT_ID = "urn:fangxin:events"
SCHEMA_FORMAT = "application/vnd.oai.openapi;version=3.0.0"
AMQP_BINDING_VERSION = "0.2.0"
EVENT_ID_EXAMPLE = "8c1d0f3e2b7a4c5d9e6f1a2b3c4d5e6f"
OCCURRED_AT_EXAMPLE = "2026-11-21T08:00:00.000000Z"
REQUEST_ID_HEADER = "nameko.request_id"


def json_schema_of(schema_cls):
    """The OpenAPI 3.0 schema object of a marshmallow schema, nested schemas inlined, its
    patterns in ECMA-262 as the OpenAPI schema format says."""
    plugin = MarshmallowPlugin(schema_name_resolver=inline)
    APISpec("events", "1", "3.0.3", plugins=[plugin])
    assert plugin.converter is not None  # the APISpec above made it
    return ecma_patterns(plugin.converter.schema2jsonschema(schema_cls))


def inline(schema) -> Any:
    """apispec's name for a nested schema: None, so that it is written inline (apispec's
    annotation says str, its code takes None)."""
    return None


def envelope_schema(contract):
    """The whole message: the envelope of DESIGN.md with this event's type, source, version."""
    return {
        "type": "object",
        "required": ["event_id", "type", "source", "occurred_at", "version", "data"],
        "properties": {
            "event_id": {"type": "string", "maxLength": 64, "description":
                         "unique; consumers deduplicate on it (delivery is at-least-once)"},
            "type": {"type": "string", "enum": [contract.type]},
            "source": {"type": "string", "enum": [contract.source]},
            "occurred_at": {"type": "string", "format": "date-time",
                            "description": "RFC 3339 UTC, when the fact was stored"},
            "version": {"type": "integer", "enum": [contract.version], "description":
                        "raised whenever data changes in a way that could break a consumer"},
            "data": json_schema_of(contract.schema),
        },
        "additionalProperties": False,
    }


def message_name(contract):
    return f"{contract.source}.{contract.type}.v{contract.version}"


def channel_name(contract):
    return f"{contract.exchange}/{contract.routing_key}"


def operation_id(contract):
    suffix = "" if contract.version == 1 else f"_v{contract.version}"
    return f"on_{contract.source}_{contract.type}{suffix}"


def deprecation(contract):
    """The sentence of an older version's description, or ""."""
    if contract.deprecated_after is None:
        return ""
    return (f" Deprecated: published beside the newer version until "
            f"{contract.deprecated_after.isoformat()} (UTC) inclusive, then no more.")


def build(contracts, title="Fangxin events", version="1.0.0"):
    """The document for ``contracts`` (EventContracts), channels and messages sorted by name."""
    channels, messages = {}, {}
    for contract in sorted(contracts, key=lambda c: (c.source, c.type, c.version)):
        name = message_name(contract)
        messages[name] = _message(contract)
        channels[channel_name(contract)] = _channel(contract, name)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "id": DOCUMENT_ID,
        "info": {"title": title, "version": version, "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {
            "url": "{host}:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
            "description": "the RabbitMQ the services use (AMQP_URI)",
            "variables": {"host": {"default": "127.0.0.1"}}}},
        "channels": channels,
        "components": {"messages": messages},
        "tags": [{"name": source, "description": f"published by {source} on `{source}.events`"}
                 for source in sorted({contract.source for contract in contracts})],
    }


def _channel(contract, message):
    return {
        "description": f"{contract.summary} Version {contract.version}: routing key "
                       f"`{contract.routing_key}` on the topic exchange `{contract.exchange}`."
                       f"{deprecation(contract)}",
        "bindings": {"amqp": {
            "is": "routingKey",
            "exchange": {"name": contract.exchange, "type": "topic", "durable": True,
                         "autoDelete": False, "vhost": "/"},
            "bindingVersion": AMQP_BINDING_VERSION}},
        "subscribe": {
            "operationId": operation_id(contract),
            "summary": contract.summary,
            "tags": [{"name": contract.source}],
            "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": AMQP_BINDING_VERSION}},
            "message": {"$ref": f"#/components/messages/{message}"}},
    }


def _message(contract):
    extension = {} if contract.deprecated_after is None else {
        "x-deprecated-after": contract.deprecated_after.isoformat()}
    return {
        "messageId": message_name(contract),
        "name": contract.type,
        "title": f"{contract.type} v{contract.version}",
        "summary": contract.summary,
        "contentType": "application/json",
        "schemaFormat": SCHEMA_FORMAT,
        "headers": {"type": "object", "properties": {REQUEST_ID_HEADER: {
            "type": "string", "description": "the request that caused the event, if any"}}},
        "payload": envelope_schema(contract),
        "examples": [{"name": contract.type, "payload": {
            "event_id": EVENT_ID_EXAMPLE, "type": contract.type, "source": contract.source,
            "occurred_at": OCCURRED_AT_EXAMPLE, "version": contract.version,
            "data": contract.example}}],
        **({"description": deprecation(contract).strip()} if extension else {}),
        **extension,
    }


DESCRIPTION = """Facts the Fangxin services publish, in the past tense, after the state change is \
stored (an outbox publishes them with publisher confirms). Each service publishes on its own \
durable topic exchange `<service>.events` with the event type as the routing key; bind a durable \
queue of your own to the keys you need. Delivery is at-least-once: deduplicate on `event_id`. \
Within one version an event only gains optional fields; a change that could break a consumer \
raises `version`. While an older version is deprecated, each fact is published once per live \
version, with the same `event_id`: version 1 under the event type, a version N under \
`<type>.v<N>` (bind `#` and you receive every version of every event). See \
examples/outside_consumer.py."""
