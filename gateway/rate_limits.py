"""Per-consumer and per-IP rate limits on the routes worth abusing (claims, complaint filing,
the token-less public routes), counted with the ``limits`` library.

Counters live where ``RATE_LIMIT_STORAGE_URI`` says: ``memory://`` (the default) keeps them in
each gateway process, so with N gateway replicas behind a load balancer a client gets up to N
times each limit. A ``redis://`` or ``mongodb://`` URI (see the ``limits`` documentation) shares
them between replicas.
"""
import heapq
import math
import threading
import time
from dataclasses import dataclass

from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from plumbing.config import ConfigError, env_int, env_str, per_process
from plumbing.errors import DomainError

OFF = ("off", "none", "0")

# group -> {scope: (environment variable, default)}; a value is one or more of the
# ``limits`` notation ("10/minute", "5/second;100/hour"), or "off"
GROUPS = {
    "claims": {"consumer": ("RATE_LIMIT_CLAIMS_PER_CONSUMER", "10/minute"),
               "ip": ("RATE_LIMIT_CLAIMS_PER_IP", "600/minute")},
    "complaints": {"consumer": ("RATE_LIMIT_COMPLAINTS_PER_CONSUMER", "10/hour"),
                   "ip": ("RATE_LIMIT_COMPLAINTS_PER_IP", "300/hour")},
    "public": {"ip": ("RATE_LIMIT_PUBLIC_PER_IP", "600/minute")},
    # codes sent and tried from one address (each phone has its own limit: SIGN_IN_*)
    "sign_in": {"ip": ("RATE_LIMIT_SIGN_IN_PER_IP", "30/hour")},
}


def rate_limited(retry_after):
    return DomainError("RATE_LIMITED", f"too many requests; retry in {retry_after} s", 429,
                       {"retry_after_seconds": retry_after})


def parse_rule(name, default):
    raw = env_str(name, default).strip()
    if raw.lower() in OFF:
        return ()
    try:
        return tuple(parse_many(raw))
    except ValueError:
        raise ConfigError(f"{name} must look like 10/minute (or off), got {raw!r}") from None


@dataclass(frozen=True)
class RateLimitSettings:
    rules: dict            # (group, scope) -> tuple of limits.RateLimitItem
    storage_uri: str
    trusted_proxies: int   # X-Forwarded-For entries added by our own proxies


@per_process
def load_rate_limit_settings():
    rules = {(group, scope): parse_rule(*variable)
             for group, scopes in GROUPS.items() for scope, variable in scopes.items()}
    return RateLimitSettings(rules=rules,
                             storage_uri=env_str("RATE_LIMIT_STORAGE_URI", "memory://"),
                             trusted_proxies=env_int("RATE_LIMIT_TRUSTED_PROXIES", 0))


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-process storage, swept differently. Its own sweep runs 10 ms after any hit
    and walks every key: with the 10,000 consumers of a claim rush (two keys each) it kept
    about 0.4 of a core busy. Here one sweep at a time is scheduled, ``sweep_seconds`` after a
    hit, and it walks only the counters that are due: they are kept in expiry order (a heap).
    Expired counters are ignored when read whether or not they have been swept; the sweep only
    gives their memory back. Only the counters of the fixed and sliding windows are swept (the
    moving window's events are not used here). (Overrides a name-mangled method and ``incr``
    of limits 5.8, which is pinned; tests/unit/test_rate_limits.py fails if the overrides stop
    taking effect.)"""

    def __init__(self, sweep_seconds=1.0):
        self.sweep_seconds = sweep_seconds
        self.sweeps = 0
        self.due = []  # (expiry, key) of every counter started, soonest first
        # held from scheduling a sweep until it runs: under eventlet a Timer yields in start()
        # before it counts as alive, so a check of the timer let every concurrent hit start one
        self.sweep_pending = threading.Lock()
        super().__init__()
        self.locks = OneLockForAll()

    def _MemoryStorage__schedule_expiry(self):
        if self.sweep_pending.acquire(blocking=False):
            self.timer = threading.Timer(self.sweep_seconds, self._sweep)
            self.timer.daemon = True
            self.timer.start()

    def incr(self, key, expiry, amount=1):
        count = super().incr(key, expiry, amount)
        if count == amount:  # a new counter (as limits decides it): its expiry was set
            with self.locks.lock:
                expires = self.expirations.get(key)
                if expires is not None:
                    heapq.heappush(self.due, (expires, key))
        return count

    def _sweep(self):
        self.sweep_pending.release()
        self.sweeps += 1
        self.expire_due(time.time())

    def expire_due(self, now):
        """Drops the counters expired by ``now``; how many entries it looked at."""
        visited = 0
        with self.locks.lock:
            while self.due and self.due[0][0] <= now:
                expiry, key = heapq.heappop(self.due)
                visited += 1
                if self.expirations.get(key) == expiry:  # not read, cleared or restarted since
                    self.storage.pop(key, None)
                    self.expirations.pop(key, None)
        return visited

    def reset(self):
        with self.locks.lock:
            self.due.clear()
            return super().reset()


class OneLockForAll(dict):
    """Stands in for ``limits``' lock per key (about 1 KB each, 10 MB for the counters of a
    rush's 10,000 consumers): one lock for every key. Nothing in the storage yields to another
    greenthread while it holds the lock (no I/O), so locks per key bought nothing but memory."""

    def __init__(self):
        super().__init__()
        self.lock = threading.RLock()

    def __missing__(self, key):
        return self.lock


def limits_storage(uri):
    return SweptMemoryStorage() if uri == "memory://" else storage_from_string(uri)


class RateLimiter:
    def __init__(self, settings, clock=time.time):
        self.settings = settings
        self.limiter = SlidingWindowCounterRateLimiter(limits_storage(settings.storage_uri))
        self.clock = clock

    def check(self, group, actor, ip):
        """Counts one request of ``group``; 429 ``RATE_LIMITED`` when a limit is used up."""
        if group is None:
            return
        identities = {"ip": ip, "consumer": actor.sub if actor is not None else None}
        for scope, identity in identities.items():
            for item in self.settings.rules.get((group, scope), ()):
                if identity and not self.limiter.hit(item, group, scope, identity):
                    raise rate_limited(self._retry_after(item, group, scope, identity))

    def _retry_after(self, item, *identifiers):
        reset_at = self.limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset_at - self.clock()))


def client_ip(remote_addr, forwarded_for, trusted_proxies):
    """The caller's address: ``remote_addr``, or, behind ``trusted_proxies`` proxies of ours,
    the X-Forwarded-For entry the outermost of them added (entries further left are whatever
    the client chose to send)."""
    if trusted_proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return hops[-trusted_proxies] if len(hops) >= trusted_proxies else hops[0]
