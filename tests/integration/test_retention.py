"""Bookkeeping is pruned once it outlives its age, in bounded batches, against the real store;
what is younger, and what is not bookkeeping, stays."""
import pytest

from plumbing.config import forget_settings
from plumbing.mongo import BaseStore
from plumbing.retention import PROCESSED_EVENTS, Retention, prune, stamp
from services.complaints.store import ComplaintsStore

NOW = "2026-11-21T08:00:00.000000Z"
EIGHT_DAYS_AGO = "2026-11-13T08:00:00.000000Z"
YESTERDAY = "2026-11-20T08:00:00.000000Z"


@pytest.fixture
def db(empty_database):
    db = empty_database("retention")
    for name, models in BaseStore.all_indexes().items():
        db[name].create_indexes(models)
    return db


def test_handled_events_are_forgotten_after_their_age(db):
    store = BaseStore(db)
    assert store.claim_events("h", ["old", "new"], EIGHT_DAYS_AGO, EIGHT_DAYS_AGO) == [
        "claimed", "claimed"]
    store.finish_events("h", ["old"], EIGHT_DAYS_AGO)
    store.finish_events("h", ["new"], YESTERDAY)
    assert store.prune(NOW)["processed_events"] == 1
    assert [c["_id"] for c in db["processed_events"].find()] == ["h:new"]
    assert store.claim_events("h", ["new"], NOW, NOW) == ["done"]


def test_a_pass_prunes_a_bounded_number_and_the_next_goes_on(db, monkeypatch):
    monkeypatch.setattr("plumbing.retention.MOST_PER_PASS", 400)
    db["notes"].insert_many([{"_id": f"n{i:04d}", **stamp(EIGHT_DAYS_AGO, f"n{i:04d}")}
                             for i in range(650)] + [{"_id": "kept"}])
    notes = Retention("notes", "RETAIN_NOTES_SECONDS", 7 * 24 * 3600)
    db["notes"].create_indexes(notes.indexes(with_ttl=False))
    assert prune(db, notes, NOW) == 400
    assert prune(db, notes, NOW) == 250
    assert prune(db, notes, NOW) == 0
    assert [d["_id"] for d in db["notes"].find()] == ["kept"]


def test_ages_come_from_their_variables(db, monkeypatch):
    db["processed_events"].insert_one({"_id": "h:e", "state": "done",
                                       **stamp(YESTERDAY, "h:e")})
    assert prune(db, PROCESSED_EVENTS, NOW) == 0
    monkeypatch.setenv("RETAIN_PROCESSED_EVENTS_SECONDS", "3600")
    forget_settings()  # as a process started with the variable set
    assert prune(db, PROCESSED_EVENTS, NOW) == 1


def test_complaint_filing_claims_go_but_complaints_stay(db):
    store = ComplaintsStore(db)
    for name, models in store.all_indexes().items():
        db[name].create_indexes(models)
    assert store.claim_filing("c:m:quality", "x", EIGHT_DAYS_AGO, "2026-11-12T08:00:00Z",
                              "2026-11-13T07:59:00Z") == "claimed"
    db["complaints"].insert_one({"_id": "x", "filed_at": EIGHT_DAYS_AGO})
    assert store.prune(NOW)["filing_claims"] == 1
    assert db["complaints"].count_documents({}) == 1
