"""Every event of DESIGN.md "Events" has a versioned contract that its publisher is held to, the
committed AsyncAPI document is generated from those contracts, and a change that could break a
consumer fails here unless the event's version is raised."""
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator

from plumbing.asyncapi import build, channel_name, json_schema_of, message_name
from plumbing.clock import FixedClock
from plumbing.event_contracts import EventContractError, envelopes_of
from plumbing.schema_evolution import breaking_changes
from services.event_catalogue import CONTRACTS, snapshot_path
from tests.api_contract import patterns_in, python_only

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SHARED_DESIGN = ROOT.parent / "shared" / "DESIGN.md"
REFRESH = "run `python -m devtools.event_docs` and commit docs/"
# DESIGN.md "Events", by source (checked against ../shared/DESIGN.md when it is there)
DESIGNED = {
    "registry": {"merchant_applied", "merchant_review_recorded", "merchant_certified",
                 "merchant_rejected", "merchant_status_changed", "merchant_updated",
                 "spot_check_assigned", "spot_check_completed"},
    "complaints": {"complaint_submitted", "complaint_forwarded", "complaint_responded",
                   "complaint_escalated", "complaint_closed", "complaint_deadline_approaching",
                   "hotspot_detected", "merchant_complaint_threshold_exceeded"},
    "coupons": {"campaign_status_changed", "coupon_claimed", "coupon_redeemed",
                "coupon_redemption_rolled_back", "coupon_expiring"},
    "notifications": {"warning_published", "notification_failed"},
}


def test_every_designed_event_has_a_contract_of_its_source():
    have = {(c.source, c.type) for c in CONTRACTS}
    designed = {(source, t) for source, types in DESIGNED.items() for t in types}
    assert designed - have == set()


@pytest.mark.skipif(not SHARED_DESIGN.exists(), reason="no ../shared/DESIGN.md here")
def test_the_designed_list_is_design_md_s():
    section = SHARED_DESIGN.read_text(encoding="utf-8").split("## Events", 1)[1].split("\n## ")[0]
    named = set(re.findall(r"`([a-z_]+)`", section)) - {"event_id", "occurred_at"}
    assert named - {t for types in DESIGNED.values() for t in types} == set()


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: f"{c.type}.v{c.version}")
def test_each_example_keeps_its_own_contract(contract):
    assert contract.problems(contract.example) == {}


# --- held on publish -------------------------------------------------------------------------

def contracts_of(source):
    return {c.type: c for c in CONTRACTS if c.source == source}


def test_a_matching_event_gets_an_envelope_with_its_contracts_version():
    contract = contracts_of("coupons")["coupon_expiring"]
    [envelope] = envelopes_of("coupons", contracts_of("coupons"),
                              [("coupon_expiring", contract.example)], FixedClock(NOW))
    assert envelope["version"] == contract.version and envelope["data"] == contract.example


@pytest.mark.parametrize("change, field", [
    (lambda d: d.pop("consumer"), "consumer"),                     # a required field missing
    (lambda d: d.update(expires_at="tomorrow"), "expires_at"),     # not an RFC 3339 UTC time
    (lambda d: d.update(coupon_id=42), "coupon_id"),               # wrong type
    (lambda d: d.update(surprise=True), "surprise"),               # a field nobody declared
])
def test_an_event_that_breaks_its_contract_is_refused_before_it_is_stored(change, field):
    data = dict(contracts_of("coupons")["coupon_expiring"].example)
    change(data)
    with pytest.raises(EventContractError, match=field):
        envelopes_of("coupons", contracts_of("coupons"), [("coupon_expiring", data)],
                     FixedClock(NOW))


def test_an_event_without_a_contract_is_refused():
    with pytest.raises(EventContractError, match="no contract"):
        envelopes_of("coupons", contracts_of("coupons"), [("coupon_vanished", {})], FixedClock(NOW))
    with pytest.raises(EventContractError, match="no contract"):  # another source's event
        envelopes_of("coupons", contracts_of("registry"),
                     [("merchant_updated", {"merchant_id": "m", "changes": []})], FixedClock(NOW))


# --- versions --------------------------------------------------------------------------------

@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: f"{c.type}.v{c.version}")
def test_a_shape_change_that_could_break_consumers_needs_a_new_version(contract):
    path = snapshot_path(contract)
    assert path.exists(), f"no snapshot of {contract.type} v{contract.version}: {REFRESH}"
    committed = json.loads(path.read_text(encoding="utf-8"))
    current = json_schema_of(contract.schema)
    breaking = breaking_changes(committed, current)
    assert not breaking, (
        f"{contract.type} changed in a way that breaks consumers of v{contract.version}: "
        f"{breaking}. Raise its version (keep the old snapshot) and {REFRESH}")
    assert committed == current, f"{contract.type} gained fields (not breaking): {REFRESH}"


def obj(required=(), **properties):
    return {"type": "object", "properties": properties, "required": list(required)}


TEXT, NUMBER = {"type": "string"}, {"type": "integer"}


@pytest.mark.parametrize("old, new, why", [
    (obj(["a"], a=TEXT), obj([], b=TEXT), "data.a: removed"),
    (obj(["a"], a=TEXT), obj([], a=TEXT), "data.a: no longer always present"),
    (obj(["a"], a=TEXT), obj(["a"], a=NUMBER), "data.a: type 'string' → 'integer'"),
    (obj(["a"], a=TEXT), obj(["a"], a={**TEXT, "nullable": True}), "data.a: may now be null"),
    (obj(["a"], a={**TEXT, "enum": ["x"]}), obj(["a"], a={**TEXT, "enum": ["x", "y"]}),
     "data.a: new values ['y']"),
    (obj(["a"], a={"type": "array", "items": TEXT}),
     obj(["a"], a={"type": "array", "items": NUMBER}), "data.a[]: type 'string' → 'integer'"),
    (obj(["n"], n=obj(["a"], a=TEXT)), obj(["n"], n=obj([], b=TEXT)), "data.n.a: removed"),
])
def test_these_changes_break_consumers(old, new, why):
    assert why in breaking_changes(old, new)


@pytest.mark.parametrize("old, new", [
    (obj(["a"], a=TEXT), obj(["a"], a=TEXT, b=TEXT)),                   # a new optional field
    (obj(["a"], a=TEXT), obj(["a", "b"], a=TEXT, b=NUMBER)),            # a new required field
    (obj([], a=TEXT), obj(["a"], a=TEXT)),                              # now always present
    (obj(["a"], a={**TEXT, "enum": ["x", "y"]}), obj(["a"], a={**TEXT, "enum": ["x"]})),
])
def test_these_changes_do_not(old, new):
    assert breaking_changes(old, new) == []


# --- the AsyncAPI document -------------------------------------------------------------------

def test_the_committed_asyncapi_document_is_generated_from_the_contracts():
    committed = json.loads((ROOT / "contracts" / "asyncapi.json").read_text(encoding="utf-8"))
    assert committed == build(CONTRACTS), f"contracts/asyncapi.json is out of date: {REFRESH}"


def test_the_document_names_each_events_exchange_routing_key_payload_and_example():
    document = build(CONTRACTS)
    assert document["asyncapi"].startswith("2.")
    for contract in CONTRACTS:
        channel = document["channels"][channel_name(contract)]
        assert channel["bindings"]["amqp"]["exchange"]["name"] == f"{contract.source}.events"
        assert channel["bindings"]["amqp"]["exchange"]["type"] == "topic"
        message = document["components"]["messages"][message_name(contract)]
        assert channel["subscribe"]["message"]["$ref"].endswith(message_name(contract))
        [example] = message["examples"]
        OAS30Validator(message["payload"]).validate(example["payload"])
        assert message["payload"]["properties"]["version"]["enum"] == [contract.version]


def test_patterns_are_written_for_ecma_262_in_the_document_and_every_snapshot():
    documents = [build(CONTRACTS)] + [json.loads(path.read_text(encoding="utf-8"))
                                      for path in (ROOT / "docs" / "events").glob("*.json")]
    patterns = [pattern for document in documents for pattern in patterns_in(document)]
    assert "^\\d{6}$" in patterns  # a region code, anchored at the end the ECMA way
    assert python_only(patterns) == []
