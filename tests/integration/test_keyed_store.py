"""Composite keys, key-ordered pages and derived data against the real store: every item once,
items filed within one second included, counters that add up to what a rebuild counts, and
derived writes a process died in the middle of made once by the sweep."""
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient, monitoring

from plumbing.clock import to_rfc3339
from plumbing.derived import (
    DERIVED_FIELD,
    OWING_FIELD,
    OWING_SINCE_FIELD,
    PENDING_FIELD,
    Counters,
    Derived,
    Postings,
    figures_of,
)
from plumbing.keys import key, prefix
from plumbing.mongo import BaseStore, key_indexes
from plumbing.pagination import KeyRange, page_by_key

SECOND = datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_database):
    return empty_database("keyed_store")


def notes_keys(note):
    return {"k_owner": key("k_owner", note["owner"], note["at"], note["_id"]),
            "k_open": key("k_open", note["owner"], note["at"], note["_id"])
            if note["status"] == "open" else None}


def contribution(counted):
    return {key("n", counted["owner"]): {counted["status"]: 1, "words": len(counted["words"])}}


def postings(counted):
    return {f"{w}|{counted['id']}": key("k_word", w, counted["id"])
            for w in counted["words"]} if counted["status"] == "open" else {}


def snapshot(note):
    return {"id": note["_id"], "owner": note["owner"], "status": note["status"],
            "words": sorted(set(note["text"].split()))}


class NotesStore(BaseStore):
    INDEXES = {"notes": key_indexes("k_owner", "k_open")}
    KEYS = {"notes": notes_keys}
    COUNTERS = Counters("note_counters", contribution)
    WORDS = Postings("note_words", postings, lambda entry: entry.rsplit("|", 1)[0])
    DERIVED = {"notes": Derived(snapshot, COUNTERS, WORDS)}


@pytest.fixture
def store(db):
    store = NotesStore(db)
    for name, models in store.all_indexes().items():
        db[name].create_indexes(models)
    return store


def note(i, owner="ann", status="open", text="a b", microseconds=None):
    at = SECOND + timedelta(microseconds=i if microseconds is None else microseconds)
    return {"_id": f"n{i:04d}", "owner": owner, "status": status, "text": text,
            "at": to_rfc3339(at), "version": 1}


def stored(store, notes):
    """The notes inserted in one round trip (the walks read them; how they came is not theirs
    to test)."""
    assert all(store.insert_many_with_events("notes", [(n, [], None) for n in notes]))


def walk(db, ranges, limit, **options):
    seen, cursor = [], None
    while True:
        page, cursor = page_by_key(db["notes"], ranges, cursor, limit, **options)
        seen += [d["_id"] for d in page]
        if cursor is None:
            return seen


@pytest.mark.parametrize("limit", [1, 7, 100])
def test_a_walk_sees_every_item_of_one_second_once_newest_first(store, db, limit):
    # 230 notes within one second, 30 of them sharing one microsecond
    notes = [note(i) for i in range(200)] + [note(i, microseconds=555) for i in range(200, 230)]
    notes += [note(i, owner="bob") for i in range(230, 260)]
    stored(store, notes)
    seen = walk(db, [KeyRange("k_owner", prefix("k_owner", "ann"))], limit)
    expected = sorted((n for n in notes if n["owner"] == "ann"),
                      key=lambda n: (n["at"], n["_id"]), reverse=True)
    assert seen == [n["_id"] for n in expected]


def test_a_walk_with_a_filter_the_key_does_not_hold(store, db):
    stored(store, [note(i, text="x" if i % 3 else "wanted") for i in range(300)])
    seen = walk(db, [KeyRange("k_owner", prefix("k_owner", "ann"))], 10,
                accept=lambda d: d["text"] == "wanted")
    assert seen == [f"n{i:04d}" for i in reversed(range(0, 300, 3))]


def test_keys_follow_the_document_and_so_do_the_derived_data(store, db):
    first = note(1, text="tea cake")
    store.insert_with_events("notes", first, [])
    stored = db["notes"].find_one({"_id": "n0001"})
    assert stored["k_open"].startswith("k_open|ann|") and PENDING_FIELD not in stored
    assert [w["_id"] for w in db["note_words"].find().sort("_id")] == ["cake|n0001",
                                                                     "tea|n0001"]

    closed = store.update_where("notes", stored, {"status": "open"}, {"status": "closed"})
    assert "k_open" not in closed and PENDING_FIELD not in closed
    assert db["note_words"].count_documents({}) == 0
    assert {w["_id"]: w["n"] for w in db["note_words_counts"].find()} == {"cake": 0, "tea": 0}
    assert db["note_counters"].find_one({"_id": "n|ann"})["open"] == 0
    assert db["note_counters"].find_one({"_id": "n|ann"})["closed"] == 1
    assert store.update_where("notes", closed, {"status": "open"}, {"status": "x"}) is None


def test_a_write_left_unsettled_is_settled_by_the_sweep_once(store, db):
    store.insert_with_events("notes", note(1), [])
    stored = db["notes"].find_one({"_id": "n0001"})
    # a process that died between its write and its settle left this behind
    pending = store.prepared("notes", {**stored, "status": "closed"})
    db["notes"].replace_one({"_id": "n0001"}, pending)
    assert PENDING_FIELD in db["notes"].find_one({"_id": "n0001"})
    assert store.settle_pending() == 1
    assert store.settle_pending() == 0
    counters = db["note_counters"].find_one({"_id": "n|ann"})
    assert (counters["open"], counters["closed"]) == (0, 1)


class Updates(monitoring.CommandListener):
    """The statements of every ``update`` command a client sent, by collection."""

    def __init__(self):
        self.statements = []

    def started(self, event):
        if event.command_name == "update":
            self.statements += [(event.command["update"], statement)
                                for statement in event.command["updates"]]

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_every_update_of_a_write_and_its_settle_names_its_document(system_env, store, db):
    """The embedded store reads a whole collection for an update that names no document: a
    settle that cleared its marks by token cost 30 ms on 20,000 coupons."""
    updates = Updates()
    with MongoClient(system_env["MONGO_URI"], event_listeners=[updates]) as client:
        watched = NotesStore(client[db.name])
        watched.insert_many_with_events("notes", [(note(i), [], None) for i in range(3)])
        stored = db["notes"].find_one({"_id": "n0001"})
        watched.update_where("notes", stored, {"status": "open"}, {"status": "closed"})
    notes = [statement for collection, statement in updates.statements if collection == "notes"]
    assert notes, "the writes were seen"
    assert all("_id" in statement["q"] and not statement.get("multi") for statement in notes)
    assert db["note_counters"].find_one({"_id": "n|ann"})["closed"] == 1
    assert db["notes"].count_documents({OWING_FIELD: {"$exists": True}}) == 0


def test_a_rebuild_counts_what_the_live_counters_hold(store, db):
    for i in range(40):
        store.insert_with_events("notes", note(i, owner=["ann", "bob"][i % 2],
                                               text=f"w{i % 5} common"), [])
    for stored in list(db["notes"].find({"k_owner": {"$gte": "k_owner|bob|",
                                                     "$lt": "k_owner|bob}"}})):
        store.update_where("notes", stored, {}, {"status": "closed"})
    def counters():
        return {c["_id"]: {k: v for k, v in figures_of(c).items() if v != 0}
                for c in db["note_counters"].find()}

    live, words = counters(), sorted((w["_id"], w["k"]) for w in db["note_words"].find())
    assert live == {"n|ann": {"open": 20, "words": 40}, "n|bob": {"closed": 20, "words": 40}}
    NotesStore.DERIVED["notes"].rebuild(db, "notes")
    assert counters() == live
    assert sorted((w["_id"], w["k"]) for w in db["note_words"].find()) == words
    assert all(d[DERIVED_FIELD] for d in db["notes"].find())


# --- a process killed in the middle of its derived writes ----------------------------------

def figures(db):
    counters = {c["_id"]: figures_of(c) for c in db["note_counters"].find()}
    words = {w["_id"]: w["n"] for w in db["note_words_counts"].find()}
    return counters, words


def owing_for_a_while(db, ids):
    """As a settler that died a while ago left them: owing, older than the sweep's grace."""
    db["notes"].update_many({"_id": {"$in": ids}}, {"$set": {OWING_SINCE_FIELD: time.time() - 60}})


def inserted_unpaid(store, db, notes):
    """Notes inserted by a process killed before it made their derived writes."""
    documents, token = store.owing("notes", [store.prepared("notes", n, new=True) for n in notes])
    db["notes"].insert_many(documents)
    return documents, token


def test_a_batch_inserted_by_a_killed_process_is_counted_once_by_the_sweep(store, db):
    store.insert_with_events("notes", note(0, text="tea"), [])
    _, token = inserted_unpaid(store, db, [note(i, text="tea cake") for i in range(1, 4)])
    assert figures(db) == ({"n|ann": {"open": 1, "words": 1}}, {"tea": 1})
    assert store.settle_pending() == 0, "a settler still within its grace is left alone"
    owing_for_a_while(db, [f"n{i:04d}" for i in range(1, 4)])
    assert store.settle_pending() == 3
    assert store.settle_pending() == 0
    assert figures(db) == ({"n|ann": {"open": 4, "words": 7}}, {"tea": 4, "cake": 3})
    assert db["notes"].count_documents({OWING_FIELD: token}) == 0


def test_a_settler_killed_halfway_through_its_writes_is_finished_without_counting_twice(store, db):
    documents, token = inserted_unpaid(store, db, [note(i, text="tea") for i in range(3)])
    derived = NotesStore.DERIVED["notes"]
    changes = [(None, derived.snapshot(d)) for d in documents]
    NotesStore.COUNTERS.apply(db, changes, token)  # killed after the counters, before the words
    owing_for_a_while(db, [d["_id"] for d in documents])
    assert store.settle_pending() == 3
    assert figures(db) == ({"n|ann": {"open": 3, "words": 3}}, {"tea": 3})


def test_an_update_claimed_by_a_killed_settler_is_paid_once(store, db):
    store.insert_with_events("notes", note(1, text="tea"), [])
    stored = db["notes"].find_one({"_id": "n0001"})
    pending = store.prepared("notes", {**stored, "status": "closed"})
    db["notes"].replace_one({"_id": "n0001"}, pending)
    derived = NotesStore.DERIVED["notes"]
    assert derived._claim(db["notes"], "n0001", pending[PENDING_FIELD],
                          stored[DERIVED_FIELD], derived.derived_as(pending))  # then killed
    reopened = store.update_where("notes", db["notes"].find_one({"_id": "n0001"}), {},
                                  {"status": "open"})
    assert PENDING_FIELD in db["notes"].find_one({"_id": "n0001"}), \
        "a change waits while an earlier one of the same document is owed"
    owing_for_a_while(db, ["n0001"])
    assert store.settle_pending() == 2  # the owed change finished, then the waiting one
    assert reopened["status"] == "open"
    assert figures(db) == ({"n|ann": {"open": 1, "closed": 0, "words": 1}}, {"tea": 1})


def test_sweepers_of_several_replicas_finish_a_change_once(store, db):
    documents, _ = inserted_unpaid(store, db, [note(i, text="tea") for i in range(50)])
    owing_for_a_while(db, [d["_id"] for d in documents])
    start = threading.Barrier(4)

    def sweep():
        start.wait()
        store.settle_pending()
    sweepers = [threading.Thread(target=sweep) for _ in range(4)]
    for sweeper in sweepers:
        sweeper.start()
    for sweeper in sweepers:
        sweeper.join()
    assert figures(db) == ({"n|ann": {"open": 50, "words": 50}}, {"tea": 50})


# --- writes made from a copy read in the middle of another write's settle -------------------

def written_unsettled(store, db, fields):
    """A versioned write of note n0001 whose settle has not run yet: the saved document."""
    stored = db["notes"].find_one({"_id": "n0001"})
    pending = store.prepared("notes", {**stored, **fields, "version": stored["version"] + 1})
    db["notes"].replace_one({"_id": "n0001"}, pending)
    return db["notes"].find_one({"_id": "n0001"})


def owes_nothing(db):
    stored = db["notes"].find_one({"_id": "n0001"})
    return PENDING_FIELD not in stored and OWING_FIELD not in stored


def test_a_versioned_write_from_a_copy_read_before_another_settled_counts_that_one_once(
        store, db):
    store.insert_with_events("notes", note(1, text="tea"), [])
    closing = written_unsettled(store, db, {"status": "closed"})
    copy = db["notes"].find_one({"_id": "n0001"})  # read by a second writer meanwhile
    store.settle("notes", closing)
    assert store.save_versioned("notes", copy, {"seen": True}, [])["seen"] is True
    assert figures(db) == ({"n|ann": {"open": 0, "closed": 1, "words": 1}}, {"tea": 0})
    assert owes_nothing(db)


def test_a_versioned_write_from_a_copy_read_while_another_was_paid_leaves_nothing_owed(
        store, db):
    store.insert_with_events("notes", note(1, text="tea"), [])
    closing = written_unsettled(store, db, {"status": "closed"})
    derived, token = NotesStore.DERIVED["notes"], closing[PENDING_FIELD]
    change = (closing[DERIVED_FIELD], derived.derived_as(closing))
    assert derived._claim(db["notes"], "n0001", token, *change)
    copy = db["notes"].find_one({"_id": "n0001"})  # read by a second writer meanwhile
    derived._pay(db, "notes", token, {"n0001": change})
    seen = store.save_versioned("notes", copy, {"seen": True}, [])
    assert owes_nothing(db), "the second write does not bring back a change already paid"
    store.save_versioned("notes", seen, {"status": "open"}, [])
    assert figures(db) == ({"n|ann": {"open": 1, "closed": 0, "words": 1}}, {"tea": 1})
    assert owes_nothing(db)


def test_a_conditional_write_from_an_outdated_copy_moves_the_figures_as_it_moves_the_note(
        store, db):
    store.insert_with_events("notes", note(1, text="tea"), [])
    outdated = db["notes"].find_one({"_id": "n0001"})
    store.update_where("notes", outdated, {}, {"status": "closed"})
    store.update_where("notes", outdated, {}, {"status": "open"})
    assert db["notes"].find_one({"_id": "n0001"})["status"] == "open"
    assert figures(db) == ({"n|ann": {"open": 1, "closed": 0, "words": 1}}, {"tea": 1})
    assert owes_nothing(db)
