"""RPC requests expire with their caller (plumbing/queues.py), over the real broker: a request
that waited in the queue past its caller's timeout is dropped by the broker, one that reached
the worker after its deadline is dropped by the worker; neither runs."""
import time
import uuid

import eventlet
import pytest
from kombu import Connection, Producer
from nameko.containers import ServiceContainer
from nameko.rpc import get_rpc_exchange
from prometheus_client import REGISTRY

from plumbing.errors import ServiceUnavailable
from plumbing.queues import DEADLINE_HEADER
from plumbing.rpc import BoundedService
from plumbing.service import FangxinService, rpc


class ClerkService(FangxinService):
    name = "clerk"
    recorded = []

    @rpc
    def record(self, mark):
        ClerkService.recorded.append(mark)
        return mark

    @rpc
    def hold(self, seconds):
        eventlet.sleep(seconds)


@pytest.fixture
def clerk(config, rpc):
    """The clerk with one worker, so that a second request waits in its queue."""
    ClerkService.recorded.clear()
    container = ServiceContainer(ClerkService, {**config, "max_workers": 1})
    container.start()
    yield lambda timeout: BoundedService(rpc("clerk"), timeout)
    container.stop()


def expired():
    return REGISTRY.get_sample_value("fangxin_rpc_expired_total",
                                     {"service": "clerk", "method": "record"}) or 0


def test_a_request_its_caller_gave_up_on_while_it_waited_never_runs(clerk):
    busy = eventlet.spawn(clerk(5).hold, 1.0)
    eventlet.sleep(0.2)  # the only worker is busy: the next request waits in the queue
    with pytest.raises(ServiceUnavailable):
        clerk(0.3).record("given up")
    busy.wait()
    # requests are taken in order: once the later one has run, the earlier one was decided
    assert clerk(5).record("kept") == "kept"
    assert ClerkService.recorded == ["kept"]


def test_a_request_that_reaches_the_worker_after_its_deadline_is_dropped_unrun(clerk, config):
    before = expired()
    body = {"args": ["late"], "kwargs": {}}
    with Connection(config["AMQP_URI"]) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=get_rpc_exchange(config), routing_key="clerk.record", serializer="json",
            reply_to=f"nobody-{uuid.uuid4().hex}", correlation_id=uuid.uuid4().hex,
            headers={DEADLINE_HEADER: time.time() - 1})
    assert clerk(5).record("on time") == "on time"
    assert ClerkService.recorded == ["on time"]
    assert expired() == before + 1


def test_a_request_within_its_deadline_runs(clerk):
    assert clerk(5).record("prompt") == "prompt"
    assert ClerkService.recorded == ["prompt"]
