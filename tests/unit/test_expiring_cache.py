"""A process's short memory (plumbing/expiring_cache.py): time limit, size limit, dropping by
tag when an event says a value changed, and refusing values read before such an event."""
from gateway.scans import ScanTally
from plumbing.expiring_cache import ExpiringCache


class Ticks:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def cache_of(ttl=30, max_entries=10):
    clock = Ticks()
    return ExpiringCache(ttl, max_entries, clock=clock), clock


def test_a_value_is_kept_for_its_time_limit_then_read_again():
    cache, clock = cache_of()
    cache.put("CODE1", {"name": "甲"}, "m-1", read_at=clock())
    clock.now += 29.9
    assert cache.get("CODE1") == {"name": "甲"}
    clock.now += 0.2
    assert cache.get("CODE1") is None


def test_the_least_recently_read_value_goes_first_when_full():
    cache, clock = cache_of(max_entries=2)
    cache.put("A", "a", "m-a", clock())
    cache.put("B", "b", "m-b", clock())
    cache.get("A")
    cache.put("C", "c", "m-c", clock())
    assert (cache.get("A"), cache.get("B"), cache.get("C")) == ("a", None, "c")


def test_forgetting_a_tag_drops_its_value_only():
    cache, clock = cache_of()
    cache.put("A", "a", "m-a", clock())
    cache.put("B", "b", "m-b", clock())
    clock.now += 1
    cache.forget("m-a")
    assert cache.get("A") is None and cache.get("B") == "b"


def test_a_value_read_before_its_tag_was_forgotten_is_refused():
    cache, clock = cache_of()
    read_at = clock()
    clock.now += 0.5
    cache.forget("m-a")  # the event arrived while the value was being read
    clock.now += 0.5
    cache.put("A", "certified", "m-a", read_at)
    assert cache.get("A") is None
    cache.put("A", "suspended", "m-a", clock())
    assert cache.get("A") == "suspended"


def test_forgetting_everything_also_refuses_values_read_before():
    cache, clock = cache_of()
    cache.put("A", "a", "m-a", clock())
    read_at = clock()
    clock.now += 1
    cache.forget_all()
    cache.put("B", "b", "m-b", read_at)
    assert cache.get("A") is None and cache.get("B") is None


def test_a_zero_time_limit_keeps_nothing():
    cache, clock = cache_of(ttl=0)
    cache.put("A", "a", "m-a", clock())
    assert not cache.enabled and cache.get("A") is None


def test_scans_are_taken_once_and_a_failed_report_is_carried_over():
    tally = ScanTally()
    for merchant_id in ("m-a", "m-a", "m-b"):
        tally.add(merchant_id)
    first = tally.take()
    assert first == {"m-a": 2, "m-b": 1}
    assert tally.take() == {}
    tally.add("m-a")
    tally.give_back(first)
    assert tally.take() == {"m-a": 3, "m-b": 1}
