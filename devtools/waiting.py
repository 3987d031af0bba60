"""Waiting with a deadline instead of sleeping and hoping."""
import time


def poll(fetch, until, seconds=15, interval=0.1):
    """The last result of ``fetch()``, once ``until(result)`` holds or time is up."""
    deadline = time.monotonic() + seconds
    result = fetch()
    while not until(result) and time.monotonic() < deadline:
        time.sleep(interval)
        result = fetch()
    return result


def wait_until(predicate, seconds=15, interval=0.1):
    """True once ``predicate()`` holds within ``seconds``, else False."""
    return bool(poll(predicate, bool, seconds, interval))
