"""The rate limiter: per consumer and per IP, groups apart, 429 with a retry delay, settings."""
import threading
import time
from pathlib import Path

import eventlet
import pytest
from limits import parse, parse_many
from limits.strategies import SlidingWindowCounterRateLimiter

from devtools.waiting import poll, wait_until
from gateway.rate_limits import (
    GROUPS,
    RateLimiter,
    RateLimitSettings,
    SweptMemoryStorage,
    client_ip,
    load_rate_limit_settings,
)
from plumbing.actors import Actor
from plumbing.config import ConfigError
from plumbing.errors import DomainError

ROOT = Path(__file__).resolve().parents[2]


def limiter(**rules):
    """A limiter with ``claims_consumer="2/minute"``-style rules."""
    parsed = {tuple(key.split("_", 1)): tuple(parse_many(value)) for key, value in rules.items()}
    return RateLimiter(RateLimitSettings(rules=parsed, storage_uri="memory://",
                                         trusted_proxies=0))


def consumer(sub):
    return Actor(sub=sub, role="consumer")


def refused(check):
    with pytest.raises(DomainError) as caught:
        check()
    error = caught.value
    assert (error.status, error.code) == (429, "RATE_LIMITED")
    return error


def test_a_consumer_gets_the_limit_then_429_with_a_retry_delay():
    limits = limiter(claims_consumer="3/minute")
    for _ in range(3):
        limits.check("claims", consumer("c-1"), "10.0.0.1")
    error = refused(lambda: limits.check("claims", consumer("c-1"), "10.0.0.1"))
    assert 1 <= error.details["retry_after_seconds"] <= 60


def test_consumers_are_counted_apart_even_from_one_address():
    limits = limiter(claims_consumer="1/minute")
    for n in range(50):
        limits.check("claims", consumer(f"c-{n}"), "10.0.0.1")
    refused(lambda: limits.check("claims", consumer("c-7"), "10.0.0.1"))


def test_an_address_is_limited_whoever_signs_in_from_it():
    limits = limiter(claims_ip="2/minute")
    limits.check("claims", consumer("a"), "10.0.0.1")
    limits.check("claims", consumer("b"), "10.0.0.1")
    refused(lambda: limits.check("claims", consumer("c"), "10.0.0.1"))
    limits.check("claims", consumer("c"), "10.0.0.2")


def test_groups_are_counted_apart_and_unlimited_groups_pass():
    limits = limiter(claims_consumer="1/minute", complaints_consumer="1/minute")
    limits.check("claims", consumer("a"), "10.0.0.1")
    limits.check("complaints", consumer("a"), "10.0.0.1")
    for _ in range(20):
        limits.check(None, consumer("a"), "10.0.0.1")
        limits.check("public", None, "10.0.0.1")


def test_anonymous_callers_are_limited_by_address_only():
    limits = limiter(public_ip="2/second", public_consumer="1/hour")
    limits.check("public", None, "10.0.0.9")
    limits.check("public", None, "10.0.0.9")
    refused(lambda: limits.check("public", None, "10.0.0.9"))


@pytest.mark.parametrize("remote, forwarded, trusted, expected", [
    ("10.1.1.1", None, 0, "10.1.1.1"),
    ("10.1.1.1", "1.2.3.4", 0, "10.1.1.1"),            # nobody trusted: the header is ignored
    ("10.1.1.1", "1.2.3.4", 1, "1.2.3.4"),
    ("10.1.1.1", "6.6.6.6, 1.2.3.4", 1, "1.2.3.4"),    # a forged entry on the left
    ("10.1.1.1", "6.6.6.6, 1.2.3.4, 10.0.0.5", 2, "1.2.3.4"),
    ("10.1.1.1", "1.2.3.4", 3, "1.2.3.4"),
])
def test_the_client_address_trusts_only_our_own_proxies(remote, forwarded, trusted, expected):
    assert client_ip(remote, forwarded, trusted) == expected


def test_settings_read_the_environment(monkeypatch):
    for name in ("RATE_LIMIT_PUBLIC_PER_IP", "RATE_LIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)  # the e2e fixtures' environment
    monkeypatch.setenv("RATE_LIMIT_CLAIMS_PER_CONSUMER", "5/second;100/hour")
    monkeypatch.setenv("RATE_LIMIT_CLAIMS_PER_IP", "off")
    # the session's system_env (tests/conftest.py) turns per-IP limits off while it lasts
    monkeypatch.delenv("RATE_LIMIT_PUBLIC_PER_IP", raising=False)
    settings = load_rate_limit_settings()
    assert [str(item) for item in settings.rules[("claims", "consumer")]] == [
        "5 per 1 second", "100 per 1 hour"]
    assert settings.rules[("claims", "ip")] == ()
    assert [str(item) for item in settings.rules[("public", "ip")]] == ["600 per 1 minute"]
    assert settings.storage_uri == "memory://"


def test_a_malformed_limit_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_PUBLIC_PER_IP", "lots")
    with pytest.raises(ConfigError, match="RATE_LIMIT_PUBLIC_PER_IP"):
        load_rate_limit_settings()


def test_every_limit_is_documented_and_deployed():
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    deployed = (ROOT / "deploy/k8s/base/config.env").read_text(encoding="utf-8")
    names = {name for scopes in GROUPS.values() for name, _ in scopes.values()}
    for name in names | {"RATE_LIMIT_STORAGE_URI", "RATE_LIMIT_TRUSTED_PROXIES"}:
        assert f"| `{name}` |" in documented and f"\n{name}=" in deployed, name


def test_hits_schedule_one_sweep_not_one_each():
    """limits' own memory storage sweeps every key 10 ms after any hit: with 10,000 consumers
    that alone kept the gateway busy. Ours schedules one sweep for a whole interval of hits."""
    storage = SweptMemoryStorage(sweep_seconds=3600)
    limiter_ = SlidingWindowCounterRateLimiter(storage)
    for n in range(500):
        assert limiter_.hit(parse("5/second"), "claims", "consumer", f"c-{n}")
    assert storage.sweeps == 0 and storage.timer.is_alive()
    assert storage.sweep_pending.locked()  # the one pending sweep: no hit may start another
    storage.timer.cancel()


def test_a_sweep_drops_the_expired_counters_and_the_next_hit_schedules_another():
    storage = SweptMemoryStorage(sweep_seconds=0.05)
    limiter_ = SlidingWindowCounterRateLimiter(storage)
    second = parse("5/second")
    for n in range(20):
        assert limiter_.hit(second, "claims", "consumer", f"c-{n}")
    assert poll(lambda: storage.sweeps, lambda sweeps: sweeps >= 1, seconds=5) >= 1

    # once the one-second windows have expired, the sweep a later hit sets off drops them:
    # only the later caller's own counters are left
    def size_after_a_later_hit():
        limiter_.hit(second, "claims", "consumer", "later")
        return len(storage.storage)

    assert poll(size_after_a_later_hit, lambda size: size <= 2, seconds=5) <= 2


def test_many_concurrent_hits_schedule_one_sweep(monkeypatch):
    """Under eventlet a Timer yields in start() before it counts as alive: a check of the timer
    alone let every greenthread hitting at that moment start a sweep of its own."""
    storage = SweptMemoryStorage(sweep_seconds=0.2)
    limiter_ = SlidingWindowCounterRateLimiter(storage)
    second = parse("5/second")

    def swept():  # one hit at a time until a sweep has run: none is pending afterwards
        if storage.sweeps:
            return True
        limiter_.hit(second, "claims", "consumer", "first")
        return False

    assert wait_until(swept, seconds=5)
    started = []

    class CountedTimer(threading.Timer):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(threading, "Timer", CountedTimer)
    pool = eventlet.GreenPool(50)
    assert all(pool.imap(lambda n: limiter_.hit(second, "claims", "consumer", f"c-{n}"),
                         range(50)))
    assert len(started) == 1
    assert poll(lambda: storage.sweeps, lambda sweeps: sweeps == 2, seconds=5) == 2


def test_a_sweep_visits_only_the_expired_counters():
    storage = SweptMemoryStorage()
    for n in range(1000):
        storage.incr(f"long-{n}", expiry=3600)
    for n in range(10):
        storage.incr(f"short-{n}", expiry=1)
    for n in range(10):
        storage.incr(f"short-{n}", expiry=1)  # a second hit starts no second entry
    assert storage.expire_due(time.time() + 60) == 10
    assert len(storage.storage) == 1000 and not any(k.startswith("short") for k in storage.storage)
    assert storage.expire_due(time.time() + 60) == 0


def test_counters_of_many_consumers_share_one_lock():
    storage = SweptMemoryStorage()
    limiter_ = SlidingWindowCounterRateLimiter(storage)
    for n in range(100):
        assert limiter_.hit(parse("1/minute"), "claims", "consumer", f"c-{n}")
        assert not limiter_.hit(parse("1/minute"), "claims", "consumer", f"c-{n}")
    assert len(storage.storage) == 100
    assert len(storage.locks) == 0  # no lock object was made per key


def test_the_default_storage_is_the_swept_one():
    assert isinstance(limiter().limiter.storage, SweptMemoryStorage)
