"""A consumer's rating reaches the store page at once: it is a versioned change of the unit whose
``merchant_rated`` event (the gateways drop the page on it) travels in the same write."""
from datetime import datetime, timezone

import pytest

from plumbing.clock import FixedClock
from plumbing.event_contracts import EventContractError, envelopes_of
from services.registry.events import CONTRACTS
from services.registry.service import rated
from services.registry.store_page import rating_of

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=timezone.utc)


def test_the_first_rating_counts_and_announces_the_average():
    change = rated({"_id": "m-1", "rating": {"count": 0, "total": 0}}, 4)
    assert change.fields == {"rating": {"count": 1, "total": 4}}
    assert change.events == [("merchant_rated", {"merchant_id": "m-1", "average": 4.0,
                                                 "count": 1})]


@pytest.mark.parametrize("before, score, count, average", [
    ({"count": 3, "total": 13}, 4, 4, 4.3),  # 17 / 4 = 4.25, half up
    ({"count": 1, "total": 5}, 1, 2, 3.0),
    (None, 5, 1, 5.0),  # a record from before ratings were kept
])
def test_the_event_carries_the_average_the_page_shows(before, score, count, average):
    change = rated({"_id": "m-1", "rating": before}, score)
    assert change.fields["rating"]["count"] == count
    [(_, data)] = change.events
    assert data == {"merchant_id": "m-1", "count": count, "average": average}
    assert rating_of(change.fields["rating"]) == {"count": count, "average": average}


def test_the_event_passes_its_contract():
    change = rated({"_id": "m-1", "rating": {"count": 2, "total": 9}}, 3)
    [envelope] = envelopes_of("registry", CONTRACTS, change.events, FixedClock(NOW))
    assert envelope["type"] == "merchant_rated" and envelope["data"]["average"] == 4.0
    with pytest.raises(EventContractError):
        envelopes_of("registry", CONTRACTS, [("merchant_rated", {"merchant_id": "m-1"})],
                     FixedClock(NOW))
