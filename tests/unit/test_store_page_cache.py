"""The gateway's memory of store pages: time limit, size limit, invalidation, and the scans it
owes the registry."""
from gateway.store_page_cache import PageCache, ScanTally


class Ticks:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def page(merchant_id="m-1", **fields):
    return {"merchant_id": merchant_id, **fields}


def test_a_page_is_kept_for_its_time_limit_then_fetched_again():
    clock = Ticks()
    cache = PageCache(ttl=30, max_entries=10, clock=clock)
    cache.put("CODE1", page(name="甲"), fetched_at=clock())
    clock.now += 29.9
    assert cache.get("CODE1") == page(name="甲")
    clock.now += 0.1
    assert cache.get("CODE1") is None
    assert len(cache) == 0


def test_the_least_recently_read_page_goes_first_when_full():
    clock = Ticks()
    cache = PageCache(ttl=30, max_entries=2, clock=clock)
    cache.put("A", page("m-a"), clock())
    cache.put("B", page("m-b"), clock())
    cache.get("A")
    cache.put("C", page("m-c"), clock())
    assert (cache.get("A"), cache.get("B"), cache.get("C")) == (page("m-a"), None, page("m-c"))


def test_forgetting_a_merchant_drops_its_page_only():
    clock = Ticks()
    cache = PageCache(ttl=30, max_entries=10, clock=clock)
    cache.put("A", page("m-a"), clock())
    cache.put("B", page("m-b"), clock())
    clock.now += 1
    cache.forget_merchant("m-a")
    assert cache.get("A") is None and cache.get("B") == page("m-b")


def test_a_page_fetched_before_its_merchant_was_forgotten_is_not_kept():
    clock = Ticks()
    cache = PageCache(ttl=30, max_entries=10, clock=clock)
    fetched_at = clock()
    clock.now += 0.5
    cache.forget_merchant("m-a")  # the event arrived while the page was being composed
    clock.now += 0.5
    cache.put("A", page("m-a", status="certified"), fetched_at)
    assert cache.get("A") is None
    cache.put("A", page("m-a", status="suspended"), clock())
    assert cache.get("A") == page("m-a", status="suspended")


def test_forgetting_everything_also_refuses_pages_fetched_before():
    clock = Ticks()
    cache = PageCache(ttl=30, max_entries=10, clock=clock)
    cache.put("A", page("m-a"), clock())
    fetched_at = clock()
    clock.now += 1
    cache.forget_all()
    cache.put("B", page("m-b"), fetched_at)
    assert cache.get("A") is None and cache.get("B") is None


def test_a_zero_time_limit_keeps_nothing():
    cache = PageCache(ttl=0, max_entries=10)
    cache.put("A", page(), cache.now())
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
