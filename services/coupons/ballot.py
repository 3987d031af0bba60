"""The draw of a ballot campaign (摇号), free of I/O and verifiable by anyone (issue 21).

Before the sign-up window closes the campaign publishes ``commitment(seed)``; after the draw it
publishes the seed and every sign-up in order as ``(signup_id, weight, group)``. The winners
follow from those alone, in integers only (no floating point, so every machine agrees):

1. Each sign-up holds ``weight`` tickets (1, plus one per earlier tranche it lost). Ticket ``i``
   is HMAC-SHA256 keyed by the seed over ``"<signup_id>:<i>"``, read as a 256-bit integer; the
   sign-up's key is its largest ticket. (The largest of ``w`` uniform draws is distributed as
   ``U^(1/w)``: Efraimidis–Spirakis weighted sampling without replacement.)
2. The groups' quotas are drawn first: a group's ``slots`` go to its members with the largest
   keys. Its other members join everyone else.
3. The coupons left (``coupons`` less the quota slots filled) go to the largest keys of the
   rest. Of equal keys (never seen: 2^-256) the larger sign-up id wins.

``examples/verify_draw.py`` recomputes the winners from the published files with the standard
library alone. Memory is bounded by the coupons, not the sign-ups: the draw keeps heaps of the
best keys seen so far as it reads the sign-ups once.
"""
import hashlib
import heapq
import hmac
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    group: str
    slots: int


def commitment(seed):
    """The hash published before the window closes: SHA-256 of the seed's bytes, in hex."""
    return hashlib.sha256(seed).hexdigest()


def key_of(seed, signup_id, weight):
    """The sign-up's key: the largest of its ``weight`` tickets."""
    return max(int.from_bytes(hmac.new(seed, f"{signup_id}:{i}".encode(), hashlib.sha256)
                              .digest(), "big") for i in range(weight))


def draw(seed, signups, coupons, quotas=()):
    """{signup_id: the group whose quota it won, or None for the open draw} of the winners of
    ``signups`` (an iterable of ``(signup_id, weight, group or None)``, read once) for
    ``coupons`` coupons, the ``quotas`` drawn first."""
    slots = {quota.group: quota.slots for quota in quotas}
    best = {group: [] for group in slots}  # group → min-heap of (key, id) of its winners
    rest = []  # min-heap of the best of everyone else, as many as the coupons
    for signup_id, weight, group in signups:
        entry = (key_of(seed, signup_id, weight), signup_id)
        if group in slots and slots[group] > 0:
            entry = _keep(best[group], entry, slots[group])
        if entry is not None:
            _keep(rest, entry, coupons)
    won = {signup_id: group for group, heap in best.items() for _, signup_id in heap}
    left = max(coupons - len(won), 0)
    for _, signup_id in heapq.nlargest(left, rest):
        won[signup_id] = None
    return won


def _keep(heap, entry, size):
    """Keeps ``entry`` among the ``size`` largest of ``heap``: the entry that lost its place
    (``entry`` itself, or the one it pushed out), or None."""
    if size <= 0:
        return entry
    if len(heap) < size:
        heapq.heappush(heap, entry)
        return None
    if entry > heap[0]:
        return heapq.heapreplace(heap, entry)
    return entry
