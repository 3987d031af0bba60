"""Calls made together (plumbing/rpc.py) over the real broker: the items of greenthreads calling
at the same moment travel in one RPC, each caller gets its own answer (a value, its domain error,
a 500 for an unexpected one), and nobody waits longer than the timeout from its own call."""
import time

import eventlet
import pytest

from plumbing.coalesce import Coalescer, Outcome, attempt
from plumbing.errors import DomainError, ServiceUnavailable, invalid
from plumbing.rpc import BoundedService, answer_of, call_together
from plumbing.service import FangxinService, rpc

UNLUCKY = 13


def square(n):
    if n < 0:
        raise invalid({"n": ["not negative"]})
    if n == UNLUCKY:
        raise ValueError("a bug")
    return n * n


class SquareService(FangxinService):
    name = "squares"
    calls = []

    @rpc
    def squares(self, items):
        SquareService.calls.append(list(items))
        eventlet.sleep(0.05)
        return [answer_of(attempt(lambda n=n: square(n))) for n in items]

    @rpc
    def stall(self, items):
        eventlet.sleep(2.5)


@pytest.fixture
def squares(start_service, rpc):
    SquareService.calls.clear()
    start_service(SquareService)
    return lambda timeout=3: BoundedService(rpc("squares"), timeout)


def together(service, method, n, batches, key="k"):
    return attempt(lambda: call_together(batches, key, service, method, n))


def test_calls_made_at_the_same_moment_travel_as_one_and_each_gets_its_own_answer(squares):
    service, batches = squares(), Coalescer()
    numbers = [1, 2, 3, -1, UNLUCKY, 4]
    running = [eventlet.spawn(together, service, "squares", n, batches) for n in numbers]
    outcomes = [thread.wait() for thread in running]
    assert SquareService.calls == [numbers]
    assert [o.value for o in outcomes if o.error is None] == [1, 4, 9, 16]
    refused, broken = outcomes[3].error, outcomes[4].error
    assert (refused.code, refused.status, refused.details) == ("VALIDATION_ERROR", 422,
                                                               {"n": ["not negative"]})
    assert (broken.code, broken.status) == ("INTERNAL_ERROR", 500)


def test_calls_arriving_while_one_is_on_its_way_share_the_next(squares):
    service, batches = squares(), Coalescer()
    first = eventlet.spawn(together, service, "squares", 1, batches)
    eventlet.sleep(0.02)  # the first call is on its way
    later = [eventlet.spawn(together, service, "squares", n, batches) for n in (2, 3, 4)]
    assert [t.wait().value for t in [first, *later]] == [1, 4, 9, 16]
    assert SquareService.calls == [[1], [2, 3, 4]]


def test_a_caller_that_queued_waits_no_longer_than_the_timeout_from_its_own_call(squares):
    service, batches = squares(timeout=1.0), Coalescer()
    first = eventlet.spawn(together, service, "stall", 1, batches)
    eventlet.sleep(0.5)  # the first call is stalled; this one queues behind it

    def timed():
        started = time.monotonic()
        return together(service, "stall", 2, batches), time.monotonic() - started

    second, waited = eventlet.spawn(timed).wait()
    assert isinstance(first.wait().error, ServiceUnavailable)
    assert isinstance(second.error, ServiceUnavailable)
    # it queued 0.5 s behind the first, then its own call had the 0.5 s left of its timeout:
    # 1.0 s in all, where a whole timeout of its own would have made it 1.5 s
    assert waited < 1.4


def test_answers_cross_as_values_or_domain_errors():
    assert answer_of(Outcome({"a": 1})) == {"value": {"a": 1}}
    sold_out = DomainError("SOLD_OUT", "none left", 409, {"left": 0})
    assert answer_of(Outcome(error=sold_out)) == {"error": {
        "code": "SOLD_OUT", "message": "none left", "status": 409, "details": {"left": 0}}}
