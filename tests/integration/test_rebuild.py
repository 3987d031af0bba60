"""``python -m devtools.rebuild``: what is derived from stored documents is counted again from
them, equal to what the live writes made."""
from devtools.rebuild import rebuild
from plumbing.clock import china_day_range
from services.complaints import figures, listing
from services.complaints.store import COMPLAINTS, ComplaintsStore
from tests.unit.test_complaints_analytics import closed, complaint


def counters(db):
    """Every counter's figures, flat and without zeros (a figure counted and taken back again
    stays as a 0 in the live counters)."""
    return {c["_id"]: {k: v for k, v in figures.added_up([c]).items() if v}
            for c in db[figures.COUNTERS].find()}


def test_a_rebuild_counts_what_the_writes_counted(empty_database, monkeypatch):
    monkeypatch.setenv("MONGO_DB_PREFIX", "rebuild_test_")
    db = empty_database("complaints")  # rebuild_test_complaints, as the command reads it
    store = ComplaintsStore(db)
    for name, models in store.all_indexes().items():
        db[name].create_indexes(models)
    for n in range(12):
        when = {"region": "330106", "filed_at": f"2026-11-{n + 1:02d}T08:00:00.000000Z"}
        document = closed(f"c{n}", "resolved_monetary", **when) if n % 3 else \
            complaint(f"c{n}", **when)
        store.insert_complaint({**document, "version": 1}, [])
    stored = db[COMPLAINTS].find_one({"_id": "c0"})
    store.save_versioned(COMPLAINTS, stored, {"status": "closed", "closing": "withdrawn"}, [])
    live = counters(db)
    db[figures.COUNTERS].update_many({}, {"$inc": {"g": 1}})  # counters gone wrong
    assert counters(db) != live
    rebuild("complaints", db.client)
    assert counters(db) == live


def test_a_rebuild_keys_documents_stored_before_their_key(empty_database, monkeypatch):
    """A complaint closed before ``k_closed`` existed is in no open-data file until the
    rebuild sets its keys; one already keyed is left as it is."""
    monkeypatch.setenv("MONGO_DB_PREFIX", "rebuild_test_")
    db = empty_database("complaints")
    store = ComplaintsStore(db)
    at = {"region": "330106", "filed_at": "2026-11-02T08:00:00.000000Z",
          "closed_at": "2026-11-03T08:00:00.000000Z"}
    store.insert_complaint({**closed("old", "resolved_monetary", **at), "version": 1}, [])
    store.insert_complaint({**closed("new", "unresolved", **at), "version": 1}, [])
    old_keys = dict.fromkeys(("k_closed2", "k_closed4", "k_closed6"), "")
    db[COMPLAINTS].update_one({"_id": "old"}, {"$unset": old_keys})
    day = listing.closed_range("330100", *china_day_range("2026-11-03"))

    def in_the_file():
        return [c["_id"] for c in store.closed_page(day, None, 500, ("_id",))[0]]

    assert in_the_file() == ["new"]
    rebuild("complaints", db.client)
    assert sorted(in_the_file()) == ["new", "old"]
    assert store.rekey(COMPLAINTS) == 0
