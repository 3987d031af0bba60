"""Versioned contracts of the events the services publish (DESIGN.md "Events").

Each event type has one contract: its source, a version, a marshmallow schema of the envelope's
``data`` (unknown fields refused) and an example. A service builds its envelopes through
``envelopes_of``, so an event whose data does not match its contract is never stored in the
outbox, let alone published: the write fails instead. ``docs/asyncapi.json`` is generated from
the contracts (plumbing/asyncapi.py), and tests/unit/test_event_contracts.py holds every
contract to its committed snapshot: a change that would break a consumer needs a new version.
"""
import builtins
from dataclasses import dataclass, field
from functools import cached_property

from marshmallow import fields, validate

from plumbing.events import new_event

RFC3339_UTC = validate.Regexp(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z\Z",
                              error="an RFC 3339 time in UTC (2026-11-21T08:00:00Z)")
REGION = validate.Regexp(r"^\d{6}\Z", error="a 6-digit region code")


def utc_time(metadata=None, **kwargs):
    """An RFC 3339 UTC time, as every time in an event is written."""
    return fields.String(validate=RFC3339_UTC, metadata={"format": "date-time", **(metadata or {})},
                         **kwargs)


def region_code(metadata=None, **kwargs):
    return fields.String(validate=REGION, metadata={"example": "330106", **(metadata or {})},
                         **kwargs)


def one_of(*values, **kwargs):
    return fields.String(validate=validate.OneOf(values), **kwargs)


class EventContractError(ValueError):
    """Data that does not match its event's contract: a bug of the publishing code."""


@dataclass(frozen=True)
class EventContract:
    source: str
    type: str
    version: int
    schema: builtins.type  # (``type`` is the event's type here)
    summary: str
    example: dict = field(compare=False)

    @cached_property
    def _validator(self):
        return self.schema()  # made once: building a marshmallow schema costs more than using it

    def problems(self, data):
        """Field → messages where ``data`` breaks the contract; empty when it holds."""
        return self._validator.validate(data)

    @property
    def exchange(self):
        return f"{self.source}.events"  # nameko's event exchange of ``source``


def contract_maker(source):
    """``make(type, schema, summary, example, version=1)`` → the EventContract of ``source``."""
    def make(event_type, schema, summary, example, version=1):
        return EventContract(source, event_type, version, schema, summary, example)
    return make


def catalogue(*contracts):
    """The contracts of one source, by event type."""
    by_type = {}
    for contract in contracts:
        if contract.type in by_type:
            raise ValueError(f"two contracts for {contract.type}")
        by_type[contract.type] = contract
    return by_type


def envelopes_of(source, contracts, events, clock):
    """Envelopes of ``events`` ((type, data) pairs), each checked against its contract."""
    envelopes = []
    for event_type, data in events:
        contract = contracts.get(event_type)
        if contract is None or contract.source != source:
            raise EventContractError(f"{source} has no contract for the event {event_type}")
        problems = contract.problems(data)
        if problems:
            raise EventContractError(f"{event_type} v{contract.version} breaks its contract: "
                                     f"{problems}")
        envelopes.append(new_event(source, event_type, data, clock, version=contract.version))
    return envelopes
