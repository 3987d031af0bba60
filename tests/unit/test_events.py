from datetime import UTC, datetime

import pytest

from plumbing.clock import FixedClock
from plumbing.events import new_event, validate_envelope

START = datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def event():
    return new_event("registry", "merchant_applied", {"merchant_id": "m-1"}, FixedClock(START))


def test_new_event_envelope(event):
    assert event == {"event_id": event["event_id"], "type": "merchant_applied",
                     "source": "registry", "occurred_at": "2026-11-21T08:00:00.000000Z",
                     "version": 1, "data": {"merchant_id": "m-1"}}
    assert len(event["event_id"]) == 32 and int(event["event_id"], 16) >= 0


def test_every_event_gets_its_own_id():
    clock = FixedClock(START)
    ids = {new_event("registry", "x", {}, clock)["event_id"] for _ in range(100)}
    assert len(ids) == 100


def test_version_can_be_raised():
    assert new_event("registry", "x", {}, FixedClock(START), version=2)["version"] == 2


def test_occurred_at_follows_the_clock():
    clock = FixedClock(START)
    clock.advance(minutes=5)
    assert new_event("registry", "x", {}, clock)["occurred_at"] == "2026-11-21T08:05:00.000000Z"


def test_new_event_is_well_formed(event):
    assert validate_envelope(event) == {}


@pytest.mark.parametrize("payload", [None, [], "merchant_applied", 42, b"{}"])
def test_non_objects_are_reported(payload):
    assert list(validate_envelope(payload)) == ["_schema"]


@pytest.mark.parametrize("field", ["event_id", "type", "source", "occurred_at", "version", "data"])
def test_missing_fields_are_reported(event, field):
    del event[field]
    assert field in validate_envelope(event)


@pytest.mark.parametrize("field, value", [
    ("type", "MerchantApplied"),
    ("type", "merchant-applied"),
    ("type", "merchant.applied"),
    ("type", "1st_event"),
    ("type", ""),
    ("type", None),
    ("source", "Registry"),
    ("event_id", ""),
    ("event_id", "x" * 65),
    ("version", 0),
    ("version", "one"),
    ("data", ["not", "a", "dict"]),
])
def test_bad_values_are_reported(event, field, value):
    event[field] = value
    assert field in validate_envelope(event)
