"""The batched writes a batch of claims or of handled events makes, against the real store: each
answers for every item of its batch as the single write it replaces would."""
import pytest

from plumbing.clock import Clock
from plumbing.coalesce import Outcome
from plumbing.errors import DomainError, conflict, unavailable
from plumbing.idempotency import IdempotentRequests
from plumbing.mongo import BaseStore, inserted
from services.coupons.store import CouponsStore
from services.notifications.store import NotificationsStore

EARLY, NOW, LATER = "2026-11-22T08:00:00.000000Z", "2026-11-22T09:00:00.000000Z", \
    "2026-11-22T10:00:00.000000Z"


@pytest.fixture
def db(empty_database):
    return empty_database("batched_writes")


def test_inserted_skips_taken_ids_and_names_the_documents_it_inserted(db):
    db["things"].insert_one({"_id": "b"})
    assert inserted(db["things"], [{"_id": "a"}, {"_id": "b"}, {"_id": "c"}, {"_id": "a"}]) \
        == [0, 2]
    assert sorted(d["_id"] for d in db["things"].find()) == ["a", "b", "c"]


def test_claims_of_events_answer_each_as_its_own_claim_would(db):
    store = BaseStore(db)
    store.claim_events("h", ["done-one", "live-one"], EARLY, LATER)
    store.claim_events("h", ["stale-one"], EARLY, EARLY)  # its holder died: the lease ran out
    store.finish_events("h", ["done-one"], EARLY)
    states = store.claim_events("h", ["new-one", "done-one", "live-one", "stale-one"], NOW, LATER)
    assert states == ["claimed", "done", "busy", "claimed"]
    assert store.claim_events("h", ["new-one"], NOW, LATER) == ["busy"]


def run_many(requests, answers, items):
    calls = []

    def compute(fresh):
        calls.append(fresh)
        return [answers(items[i]) for i in fresh]

    return requests.run_many(items, compute), calls


def test_a_batch_of_idempotent_requests_computes_only_first_sightings(db):
    requests = IdempotentRequests(db["idempotent_requests"], Clock())
    answers = {"a": Outcome({"coupon": 1}),
               "b": Outcome(error=conflict("LIMIT_REACHED", "no more")),
               "c": Outcome(error=unavailable("away"))}
    items = [("claim:x", k, {"n": 1}) for k in ("a", "b", "c")] + [("claim:x", None, {})]
    outcomes, calls = run_many(requests, lambda item: answers.get(item[1], Outcome("keyless")),
                               items)
    assert calls == [[0, 1, 2, 3]]
    assert [o.value for o in outcomes] == [{"coupon": 1}, None, None, "keyless"]

    # again: a and b were answered and are replayed; c's 503 was let go, so c runs again
    outcomes, calls = run_many(requests, lambda item: Outcome("again"), items)
    assert calls == [[2, 3]]
    assert outcomes[0] is None and outcomes[1] is None
    assert requests.replay(items[0], lambda: "never") == {"coupon": 1}
    with pytest.raises(DomainError) as first_error:
        requests.replay(items[1], lambda: "never")
    assert first_error.value.code == "LIMIT_REACHED"
    assert [r and r["state"] for r in requests.records(items)] == ["done", "done", "done", None]


def test_the_same_key_twice_in_one_batch_is_computed_once(db):
    requests = IdempotentRequests(db["idempotent_requests"], Clock())
    item = ("claim:y", "k", {"n": 1})
    outcomes, calls = run_many(requests, lambda _: Outcome("first"), [item, item])
    assert calls == [[0]]
    assert outcomes[0].value == "first" and outcomes[1] is None
    assert requests.replay(item, lambda: "never") == "first"


def test_holdings_of_a_batch_count_against_the_limit_in_order(db):
    store = CouponsStore(db)
    assert store.take_holdings("k", ["ann", "bo", "ann"], 1) == [True, True, False]
    assert store.take_holdings("k", ["ann"], 1) == [False]
    assert store.take_holdings("two", ["cy", "cy", "cy"], 2) == [True, True, False]
    store.give_back_holdings("two", ["cy"])
    assert store.take_holdings("two", ["cy", "cy"], 2) == [True, False]


def test_stock_is_taken_in_one_write_when_there_is_enough_and_to_the_last_unit_when_not(db):
    store = CouponsStore(db)
    store.create_stock("k", 5, 2, [])  # shards of 3 and 2
    first = store.take_stock("k", 2, 2)
    second = store.take_stock("k", 2, 2)
    last = store.take_stock("k", 2, 4)
    assert (len(first), len(second), len(last)) == (2, 2, 1)
    taken = first + second + last
    assert len(set(taken)) == 5  # every unit once: (counter, seq) pairs
    assert sorted(seq for counter, seq in taken if counter == "k:0") == [1, 2, 3]
    assert store.take_stock("k", 2, 3) == []
    assert store.remaining("k") == (0, {})


def message(message_id):
    return {"_id": message_id, "recipient": "user:ann", "created_at": "2026-11-21T08:00:00Z",
            "read_at": None}


def test_inbox_messages_stored_together_each_say_whether_they_were_new(db):
    store = NotificationsStore(db)
    assert store.add_messages([message("m1")]) == [True]
    assert store.add_messages([message("m2"), message("m1"), message("m3")]) == \
        [True, False, True]
    assert sorted(m["_id"] for m in db["messages"].find()) == ["m1", "m2", "m3"]


def test_the_audience_remembered_together_keeps_one_row_per_consumer_and_region(db):
    store = NotificationsStore(db)
    store.remember_audience([("ann", "440305"), ("bo", "440305"), ("ann", "440305"),
                             ("ann", "440106")])
    store.remember_audience([("ann", "440305")])

    def audience_in(region_prefix):
        entries, _ = store.audience_page(region_prefix, None, 100)
        return [(e["region"], e["consumer"]) for e in entries]

    assert audience_in("4403") == [("440305", "ann"), ("440305", "bo")]
    assert audience_in("4401") == [("440106", "ann")]
    assert db["audience"].count_documents({}) == 3
