from unittest.mock import ANY

import pytest

from plumbing.context import clear_request_id, set_request_id
from plumbing.outbox import WRITER, new_document_with_events, pending_entries, update_with_events


def envelope(event_id, occurred_at="2026-11-21T08:00:00.000000Z"):
    return {"event_id": event_id, "type": "merchant_applied", "source": "registry",
            "occurred_at": occurred_at, "version": 1, "data": {}}


@pytest.fixture
def request_id():
    set_request_id("req-1")
    yield "req-1"
    clear_request_id()


def test_new_document_carries_its_events_keyed_by_id(request_id):
    events = [envelope("e1"), envelope("e2")]
    document = new_document_with_events({"_id": "m-1", "name": "x"}, events)
    assert document["outbox"] == {
        "e1": {"envelope": events[0], "request_id": "req-1", "by": WRITER, "at": ANY},
        "e2": {"envelope": events[1], "request_id": "req-1", "by": WRITER, "at": ANY}}
    assert document["outbox_count"] == 2
    assert (document["_id"], document["name"]) == ("m-1", "x")


def test_events_without_a_request_record_none():
    clear_request_id()
    document = new_document_with_events({"_id": "m-1"}, [envelope("e1")])
    assert document["outbox"]["e1"]["request_id"] is None


def test_update_sets_each_event_under_outbox_dot_id(request_id):
    update = update_with_events({"$set": {"status": "certified"}}, [envelope("e1"), envelope("e2")])
    assert update["$set"] == {
        "status": "certified",
        "outbox.e1": {"envelope": envelope("e1"), "request_id": "req-1", "by": WRITER, "at": ANY},
        "outbox.e2": {"envelope": envelope("e2"), "request_id": "req-1", "by": WRITER, "at": ANY}}
    assert update["$inc"] == {"outbox_count": 2}


def test_update_merges_existing_inc_and_keeps_other_operators():
    update = update_with_events(
        {"$inc": {"version": 1, "outbox_count": 1}, "$push": {"history": {"to": "x"}}},
        [envelope("e1")])
    assert update["$inc"] == {"version": 1, "outbox_count": 2}
    assert update["$push"] == {"history": {"to": "x"}}
    assert set(update["$set"]) == {"outbox.e1"}


def test_update_leaves_the_given_update_untouched():
    original = {"$set": {"status": "certified"}, "$inc": {"version": 1}}
    update_with_events(original, [envelope("e1")])
    assert original == {"$set": {"status": "certified"}, "$inc": {"version": 1}}


def test_pending_entries_are_in_the_order_they_happened():
    document = new_document_with_events({}, [
        envelope("c", "2026-11-21T08:00:02.000000Z"),
        envelope("b", "2026-11-21T08:00:01.000000Z"),
        envelope("z", "2026-11-21T08:00:00.000000Z"),
        envelope("a", "2026-11-21T08:00:01.000000Z"),
    ])
    assert [e["envelope"]["event_id"] for e in pending_entries(document)] == ["z", "a", "b", "c"]


@pytest.mark.parametrize("document", [{"_id": "m-1"}, {"_id": "m-1", "outbox": None},
                                      {"_id": "m-1", "outbox": {}}])
def test_no_pending_entries(document):
    assert pending_entries(document) == []
