"""Several versions of one event side by side (plumbing/event_contracts.py, docs/events.md "A
new version of an event"), with a throwaway two-version contract: v2 adds an enum value and a
field, v1's downgrade maps the value to an old one and drops the field."""
import json
from datetime import UTC, date, datetime

import pytest
from marshmallow import Schema, fields
from openapi_schema_validator import OAS30Validator

import devtools.event_docs
from plumbing.asyncapi import build, channel_name, json_schema_of, message_name
from plumbing.clock import FixedClock
from plumbing.consumers import consumes
from plumbing.event_contracts import (
    EventContractError,
    catalogue,
    contract_maker,
    envelopes_of,
    one_of,
)
from plumbing.events import validate_envelope
from plumbing.outbox import OutboxRelay, new_document_with_events, pending_entries
from plumbing.schema_evolution import breaking_changes

SOURCE = "parcels"
make = contract_maker(SOURCE)
LAST_DAY_OF_V1 = date(2026, 12, 31)
DURING = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
LAST_DAY = datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
AFTER = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)


class SentV1Schema(Schema):
    parcel_id = fields.String(required=True)
    speed = one_of("standard", "express", required=True)


class SentV2Schema(Schema):
    parcel_id = fields.String(required=True)
    speed = one_of("standard", "express", "drone", required=True)  # a new value: breaking
    drone_id = fields.String(load_default=None, allow_none=True)


def sent_v1_from_v2(data):
    """A drone flies express; v1 never heard of drones."""
    return {"parcel_id": data["parcel_id"],
            "speed": "express" if data["speed"] == "drone" else data["speed"]}


V2 = make("parcel_sent", SentV2Schema, "A parcel was sent.",
          {"parcel_id": "p1", "speed": "drone", "drone_id": "d7"}, version=2)
V1 = make("parcel_sent", SentV1Schema, "A parcel was sent.",
          {"parcel_id": "p1", "speed": "express"}, deprecated_after=LAST_DAY_OF_V1,
          downgrade=sent_v1_from_v2)
CONTRACTS = catalogue(V1, V2)
DRONE = {"parcel_id": "p9", "speed": "drone", "drone_id": "d7"}


def test_the_catalogue_holds_both_versions_and_the_code_builds_the_newest():
    assert CONTRACTS["parcel_sent"] is V2
    assert CONTRACTS.versions["parcel_sent"] == (V2, V1)
    assert CONTRACTS.every_version() == (V1, V2)


def test_one_write_makes_one_envelope_per_version_each_valid_under_its_own_contract():
    v2, v1 = envelopes_of(SOURCE, CONTRACTS, [("parcel_sent", DRONE)], FixedClock(DURING))
    assert (v2["version"], v2["data"]) == (2, DRONE)
    assert (v1["version"], v1["data"]) == (1, {"parcel_id": "p9", "speed": "express"})
    assert V2.problems(v2["data"]) == {} and V1.problems(v1["data"]) == {}
    assert V1.problems(v2["data"]) != {}  # v2's shape would break a consumer of v1
    # one fact in two shapes: the same id and time, so consumers deduplicate it as one
    assert v1["event_id"] == v2["event_id"] and v1["occurred_at"] == v2["occurred_at"]
    assert validate_envelope(v1) == {} and validate_envelope(v2) == {}


def test_each_version_goes_out_under_its_own_routing_key_and_outbox_entry():
    envelopes = envelopes_of(SOURCE, CONTRACTS, [("parcel_sent", DRONE)], FixedClock(DURING))
    document = new_document_with_events({"_id": "p9"}, envelopes, request_id="req-1")
    assert document["outbox_count"] == 2 and len(document["outbox"]) == 2
    relay = OutboxRelay(None, (), {"AMQP_URI": "memory://"})
    messages = [relay._message(entry) for entry in pending_entries(document)]
    assert [(body["version"], exchange.name, key) for body, exchange, key, _ in messages] == [
        (1, "parcels.events", "parcel_sent"), (2, "parcels.events", "parcel_sent.v2")]
    assert (V1.routing_key, V2.routing_key) == ("parcel_sent", "parcel_sent.v2")


def test_a_version_is_published_through_its_deprecation_date_and_not_after():
    for now, versions in [(LAST_DAY, [2, 1]), (AFTER, [2])]:
        envelopes = envelopes_of(SOURCE, CONTRACTS, [("parcel_sent", DRONE)], FixedClock(now))
        assert [e["version"] for e in envelopes] == versions


def test_data_that_breaks_either_version_fails_the_write():
    with pytest.raises(EventContractError, match="parcel_sent v2"):
        envelopes_of(SOURCE, CONTRACTS, [("parcel_sent", {**DRONE, "speed": "teleport"})],
                     FixedClock(DURING))
    def careless(data):  # right for the example (a drone with an id), wrong without one
        speed = "express" if data.get("drone_id") else data["speed"]
        return {"parcel_id": data["parcel_id"], "speed": speed}

    contracts = catalogue(make("parcel_sent", SentV1Schema, "", V1.example,
                               deprecated_after=LAST_DAY_OF_V1, downgrade=careless), V2)
    no_id = {"parcel_id": "p9", "speed": "drone"}
    with pytest.raises(EventContractError, match="parcel_sent v1"):  # "drone" passed through
        envelopes_of(SOURCE, contracts, [("parcel_sent", no_id)], FixedClock(DURING))
    # after v1's window its careless downgrade no longer matters
    assert len(envelopes_of(SOURCE, contracts, [("parcel_sent", no_id)], FixedClock(AFTER))) == 1


@pytest.mark.parametrize("contracts, why", [
    ((make("parcel_sent", SentV1Schema, "", V1.example, deprecated_after=LAST_DAY_OF_V1), V2),
     "needs a downgrade"),
    ((make("parcel_sent", SentV1Schema, "", V1.example, downgrade=sent_v1_from_v2), V2),
     "needs a deprecated_after"),
    ((make("parcel_sent", SentV1Schema, "", V1.example, deprecated_after=LAST_DAY_OF_V1,
           downgrade=lambda data: data), V2), "downgrade of v2's example breaks"),
    ((V1, make("parcel_sent", SentV2Schema, "", V2.example, version=2,
               deprecated_after=LAST_DAY_OF_V1)), "is the newest"),
    ((V2, make("parcel_sent", SentV2Schema, "", V2.example, version=2)), "of one version"),
])
def test_the_catalogue_refuses(contracts, why):
    with pytest.raises(ValueError, match=why):
        catalogue(*contracts)


def test_the_document_lists_each_version_as_its_message_and_channel():
    document = build(CONTRACTS.every_version())
    assert set(document["channels"]) == {"parcels.events/parcel_sent",
                                         "parcels.events/parcel_sent.v2"}
    envelopes = envelopes_of(SOURCE, CONTRACTS, [("parcel_sent", DRONE)], FixedClock(DURING))
    for contract, envelope in zip((V2, V1), envelopes):
        channel = document["channels"][channel_name(contract)]
        message = document["components"]["messages"][message_name(contract)]
        assert channel["subscribe"]["message"]["$ref"].endswith(message_name(contract))
        assert f"`{contract.routing_key}`" in channel["description"]
        OAS30Validator(message["payload"]).validate(envelope)
        [example] = message["examples"]
        OAS30Validator(message["payload"]).validate(example["payload"])
    v1 = document["components"]["messages"][message_name(V1)]
    assert v1["x-deprecated-after"] == "2026-12-31" and "2026-12-31" in v1["description"]
    assert "x-deprecated-after" not in document["components"]["messages"][message_name(V2)]
    operations = [c["subscribe"]["operationId"] for c in document["channels"].values()]
    assert len(set(operations)) == 2


def test_each_version_has_its_own_snapshot_and_a_breaking_change_to_a_live_one_fails(
        tmp_path, monkeypatch, capsys):
    assert breaking_changes(json_schema_of(SentV1Schema), json_schema_of(SentV2Schema)) != []
    monkeypatch.setattr(devtools.event_docs, "ASYNCAPI_FILE", tmp_path / "asyncapi.json")
    monkeypatch.setattr(devtools.event_docs, "snapshot_path", lambda contract: (
        tmp_path / f"{contract.source}.{contract.type}.v{contract.version}.json"))
    monkeypatch.setattr(devtools.event_docs, "CONTRACTS", (V1,))  # before v2
    assert devtools.event_docs.main() == 0
    monkeypatch.setattr(devtools.event_docs, "CONTRACTS", CONTRACTS.every_version())
    assert devtools.event_docs.main() == 0  # v2 gets a snapshot of its own, v1's stays
    v1_file, v2_file = (tmp_path / "parcels.parcel_sent.v1.json",
                        tmp_path / "parcels.parcel_sent.v2.json")
    assert json.loads(v1_file.read_text()) == json_schema_of(SentV1Schema)
    assert json.loads(v2_file.read_text()) == json_schema_of(SentV2Schema)
    # adding the enum value to v1 itself, still live, is refused
    broken = make("parcel_sent", SentV2Schema, "", V1.example, deprecated_after=LAST_DAY_OF_V1,
                  downgrade=sent_v1_from_v2)
    monkeypatch.setattr(devtools.event_docs, "CONTRACTS", (broken, V2))
    assert devtools.event_docs.main() == 1
    assert "parcel_sent v1" in capsys.readouterr().err
    assert json.loads(v1_file.read_text()) == json_schema_of(SentV1Schema)


def test_a_consumer_binds_to_the_version_it_reads_and_by_default_to_v1():
    class Reader:
        @consumes(SOURCE, "parcel_sent")
        def on_v1(self, envelope):
            pass

        @consumes(SOURCE, "parcel_sent", version=2)
        def on_v2(self, envelope):
            pass

    [v1] = Reader.on_v1.nameko_entrypoints
    [v2] = Reader.on_v2.nameko_entrypoints
    assert [(e.source_service, e.event_type) for e in (v1, v2)] == [
        (SOURCE, "parcel_sent"), (SOURCE, "parcel_sent.v2")]
