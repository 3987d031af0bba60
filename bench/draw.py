"""The ballot's draw over many sign-ups, in a process of its own so that its peak memory is its
own: ``python -m bench.draw SIGNUPS COUPONS`` prints JSON with the draw's seconds and peak
memory, and the same for the baseline that holds every key and sorts them (what the draw's
heaps avoid), measured in the same process one after the other.

The sign-ups are as a holiday ballot's might be: a fifth carried over with weight 2, one in
fifty in a group with a quota of a twentieth of the coupons."""
import json
import secrets
import sys
import time
import tracemalloc

from services.coupons import ballot


def signups(count):
    for n in range(count):
        yield f"{n:016x}", 2 if n % 5 == 0 else 1, "medics" if n % 50 == 0 else None


def timed(work):
    """(seconds, peak MB of Python allocations) of ``work()``."""
    tracemalloc.start()
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return round(seconds, 2), round(peak / 2**20, 1)


def sorted_whole(seed, count, coupons):
    """The baseline: every key held, sorted, the best taken."""
    keys = sorted(((ballot.key_of(seed, s, w), s) for s, w, _ in signups(count)), reverse=True)
    return keys[:coupons]


def main(count, coupons):
    seed = secrets.token_bytes(32)
    quotas = [ballot.Quota("medics", max(1, coupons // 20))]
    draw_seconds, draw_mb = timed(lambda: ballot.draw(seed, signups(count), coupons, quotas))
    sort_seconds, sort_mb = timed(lambda: sorted_whole(seed, count, coupons))
    print(json.dumps({
        "draw_signups": count, "draw_coupons": coupons, "draw_seconds": draw_seconds,
        "draw_peak_mb": draw_mb, "draw_sort_seconds": sort_seconds,
        "draw_sort_peak_mb": sort_mb}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
