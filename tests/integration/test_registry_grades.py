"""The trust grade's writes against the real store: a redemption counted once by its increment
whatever the deliveries, and a regrade that writes the trust alone, its booleans kept."""
from datetime import UTC, date, datetime, timedelta

import pytest

from plumbing.clock import FixedClock, to_rfc3339
from plumbing.documents import visible
from services.registry import domain, grading
from services.registry.grades import Grades
from services.registry.merchants import Merchants
from services.registry.store import MERCHANTS, RegistryStore

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
APPLICATION = {"name": "鼓楼放心小吃店", "credit_code": "91350100M000100Y43",
               "unit_type": "store", "industry": "catering", "region": "350102",
               "address": "福州市鼓楼区东街 1 号", "location": {"lng": 119.296, "lat": 26.074},
               "licences": [{"kind": "business_licence", "number": "BL-001",
                             "valid_until": date(2030, 12, 31)}]}


@pytest.fixture
def store(indexed_store):
    store = indexed_store(RegistryStore, "registry_grades")
    merchant = domain.new_merchant("m-1", APPLICATION, [], "owner-1", to_rfc3339(NOW))
    store.insert_merchant({**merchant, "status": "certified", "black_listed": True}, [])
    return store


def envelope(event_id, event_type, source="complaints", version=2):
    return {"event_id": event_id, "type": event_type, "source": source, "version": version,
            "occurred_at": to_rfc3339(NOW), "data": {"merchant_id": "m-1"}}


def test_a_redemption_counts_once_however_often_it_is_delivered(store):
    version = store.get_merchant("m-1")["version"]
    assert store.count_redemption("m-1", "e-1") is True
    assert store.count_redemption("m-1", "e-1") is False  # delivered again after a crash
    for n in range(2, 41):
        assert store.count_redemption("m-1", f"e-{n}") is True
    merchant = store.get_merchant("m-1")
    assert merchant["redemption_count"] == 40
    assert merchant["redemptions_seen"] == [f"e-{n}" for n in range(9, 41)]
    assert merchant["version"] == version + 40  # a versioned write decided before rereads
    assert store.count_redemption("nobody", "e-99") is False


def test_a_regrade_writes_the_trust_alone_and_folds_the_redemptions_in(store):
    grades = Grades(store, FixedClock(NOW), Merchants(store, FixedClock(NOW)))
    for n in range(3):
        store.count_redemption("m-1", f"r-{n}")
    before = store.get_merchant("m-1")
    grades.record(envelope("e-1", "complaint_forwarded"), grading.forwarded_evidence)
    after = store.get_merchant("m-1")
    trust = after.pop("trust")
    assert trust["evidence"]["complaints"]["value"] == 1.0
    assert trust["evidence"]["redemptions"]["value"] == 3.0
    assert trust["redemptions_counted"] == 3
    assert trust["inputs"]["black_listed"] is True  # a boolean, as it was set
    assert trust["grade"]["vetoes"] == ["black_listed"]
    assert after["black_listed"] is True
    assert visible(after) == visible(before, "trust")  # nothing else written
    assert after["version"] == before["version"] + 1
    grades.record(envelope("e-1", "complaint_forwarded"), grading.forwarded_evidence)
    assert store.get_merchant("m-1")["trust"]["evidence"]["complaints"]["value"] == 1.0
    assert store.db[MERCHANTS].find_one({"_id": "m-1"})["outbox_count"] >= 1


def test_a_graded_unit_is_found_for_its_periodic_regrade_once_it_is_due(store):
    merchants = Merchants(store, FixedClock(NOW))
    merchants.regrade("m-1", lambda m: grading.refreshed(m, NOW))
    assert store.due_for_regrade(to_rfc3339(NOW)) == []
    assert store.due_for_regrade(to_rfc3339(NOW + grading.REGRADE_EVERY)) == []
    later = NOW + grading.REGRADE_EVERY + timedelta(seconds=1)
    assert [m["_id"] for m in store.due_for_regrade(to_rfc3339(later))] == ["m-1"]
    merchants.regrade("m-1", lambda m: grading.refreshed(m, later))
    assert store.due_for_regrade(to_rfc3339(later)) == []
