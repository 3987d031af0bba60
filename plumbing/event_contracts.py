"""Versioned contracts of the events the services publish (DESIGN.md "Events").

Each version of an event type has a contract: its source, the version, a marshmallow schema of
the envelope's ``data`` (unknown fields refused) and an example. A service builds its envelopes
through ``envelopes_of``, so an event whose data does not match its contract is never stored in
the outbox, let alone published: the write fails instead. ``contracts/asyncapi.json`` is generated
from the contracts (plumbing/asyncapi.py), and tests/unit/test_event_contracts.py holds every
contract to its committed snapshot: a change that would break a consumer needs a new version.

Several versions of one event live side by side for a deprecation window (docs/events.md "A new
version of an event"). The code builds the data of the newest; each older version declares how
its data is made from the next newer version's (``downgrade``; None for a fact it has no shape
for, which then reaches no older version) and the last day it is published
(``deprecated_after``, a UTC date). One write makes one envelope per live version, each checked
against its own contract, all with the same ``event_id`` (one fact in several shapes: a consumer
deduplicating on ``event_id`` handles it once whichever versions it reads). Version 1 is
published under the event type as routing key, a version N > 1 under ``<type>.v<N>``
(``plumbing.events.routing_key``).
"""
import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from functools import cached_property, partial

from marshmallow import fields, validate

from plumbing.events import new_event, routing_key

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
    # an older version: the last day (UTC) it is published, and how its data is made from the
    # data of the next newer version in the catalogue; both None for the newest
    deprecated_after: date | None = None
    downgrade: Callable[[dict], dict] | None = field(default=None, compare=False)

    @cached_property
    def _validator(self):
        return self.schema()  # made once: building a marshmallow schema costs more than using it

    def problems(self, data):
        """Field → messages where ``data`` breaks the contract; empty when it holds."""
        return self._validator.validate(data)

    @property
    def exchange(self):
        return f"{self.source}.events"  # nameko's event exchange of ``source``

    @property
    def routing_key(self):
        return routing_key(self.type, self.version)

    def live_on(self, day):
        """Whether this version is still published on ``day`` (a UTC date)."""
        return self.deprecated_after is None or day <= self.deprecated_after


def contract_maker(source):
    """``make(type, schema, summary, example, version=1, deprecated_after=None,
    downgrade=None)`` → the EventContract of ``source``."""
    def make(event_type, schema, summary, example, version=1, deprecated_after=None,
             downgrade=None):
        return EventContract(source, event_type, version, schema, summary, example,
                             deprecated_after, downgrade)
    return make


class Catalogue(dict):
    """The contracts of one source: event type → its newest contract (what the code builds),
    and in ``versions[type]`` every version in the catalogue, newest first."""

    def __init__(self, versions):
        super().__init__((event_type, contracts[0]) for event_type, contracts in versions.items())
        self.versions = versions

    def every_version(self):
        """Every contract of every version, by type then version."""
        return tuple(contract for event_type in sorted(self.versions)
                     for contract in sorted(self.versions[event_type], key=lambda c: c.version))


def catalogue(*contracts):
    """The contracts of one source, by event type. Several versions of one type are held side
    by side; each older one needs its ``downgrade`` and ``deprecated_after``, and its
    ``downgrade`` of the next newer version's example must keep its own contract."""
    by_type: dict[str, list[EventContract]] = {}
    for contract in contracts:
        by_type.setdefault(contract.type, []).append(contract)
    versions = {}
    for event_type, found in by_type.items():
        found.sort(key=lambda c: -c.version)
        numbers = [c.version for c in found]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"two contracts for {event_type} of one version: {numbers}")
        if len({c.source for c in found}) != 1:
            raise ValueError(f"the versions of {event_type} have different sources")
        newest, *older = found
        if newest.downgrade is not None or newest.deprecated_after is not None:
            raise ValueError(f"{event_type} v{newest.version} is the newest: it has no newer "
                             "version to be made from, nor a deprecation date")
        for newer, contract in zip(found, older):
            label = f"{event_type} v{contract.version}"
            if contract.downgrade is None:
                raise ValueError(f"{label} is older than v{newer.version}: it needs a "
                                 f"downgrade (its data made from v{newer.version}'s)")
            if contract.deprecated_after is None:
                raise ValueError(f"{label} is older than v{newer.version}: it needs a "
                                 "deprecated_after date (the end of its deprecation window)")
            problems = contract.problems(contract.downgrade(dict(newer.example)))
            if problems:
                raise ValueError(f"{label}'s downgrade of v{newer.version}'s example breaks "
                                 f"its contract: {problems}")
        versions[event_type] = tuple(found)
    return Catalogue(versions)


def envelope_maker(source, contracts):
    """``envelopes(events, clock)``: ``envelopes_of`` for one service's events."""
    return partial(envelopes_of, source, contracts)


def envelopes_of(source, contracts, events, clock):
    """Envelopes of ``events`` ((type, data) pairs, data of the newest version), one for each
    version still published today, each checked against its own contract."""
    versions = getattr(contracts, "versions", None)
    today = clock.now().astimezone(UTC).date()
    envelopes = []
    for event_type, data in events:
        newest = contracts.get(event_type)
        if newest is None or newest.source != source:
            raise EventContractError(f"{source} has no contract for the event {event_type}")
        fact = new_event(source, event_type, {}, clock)  # one id and time for every version
        for index, contract in enumerate(versions[event_type] if versions else (newest,)):
            if index:
                assert contract.downgrade is not None  # catalogue() refuses an older without
                data = contract.downgrade(dict(data))
            if data is None:
                break  # a fact the older versions have no shape for (``downgrade`` said so)
            if not contract.live_on(today):
                continue  # still made: an older version still live may be made from it
            problems = contract.problems(data)
            if problems:
                raise EventContractError(f"{event_type} v{contract.version} breaks its "
                                         f"contract: {problems}")
            envelopes.append({**fact, "version": contract.version, "data": data})
    return envelopes


def newest_versions(envelopes):
    """One envelope per fact: the newest of the versions of each ``event_id`` among
    ``envelopes``, in the order each fact was first seen (what a reader of every version
    makes of them)."""
    newest: dict = {}
    for envelope in envelopes:
        kept = newest.get(envelope["event_id"])
        if kept is None or envelope.get("version", 1) > kept.get("version", 1):
            newest[envelope["event_id"]] = envelope
    return list(newest.values())
