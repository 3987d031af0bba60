"""Bounded RPC: nameko's RPC has no timeout, so every call made through ``BoundedRpcProxy``
carries one, and a silent or missing service becomes a quick ``ServiceUnavailable`` (503)
instead of a hung caller.

Calls made together: ``call_together`` sends the items of a process's greenthreads calling the
same method at the same moment as one RPC of a list (plumbing/coalesce.py), and the answering
side hands back one answer per item (``answer_of``), a value or a domain error, so each caller
gets its own."""
import logging
import socket
import time
from functools import partial

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher
from nameko.exceptions import UnknownService
from nameko.rpc import Responder, RpcProxy

from plumbing.coalesce import Outcome
from plumbing.errors import DomainError, ServiceUnavailable
from plumbing.queues import ExpiringMethodProxy
from plumbing.settings import plumbing_settings

log = logging.getLogger(__name__)

UNREACHABLE = (UnknownService, AmqpConnectionError, OperationalError, socket.error)


def call(proxy, method, *args, timeout, **kwargs):
    service = proxy.service_name
    deadline = eventlet.Timeout(timeout)
    try:
        return ExpiringMethodProxy(proxy, method, timeout)(*args, **kwargs)
    except eventlet.Timeout as exc:
        if exc is not deadline:
            raise
        raise ServiceUnavailable(f"{service} did not answer in time",
                                 {"service": service}) from None
    except UNREACHABLE:
        raise ServiceUnavailable(f"{service} is not reachable", {"service": service}) from None
    finally:
        deadline.cancel()


class BoundedService:
    """``service.method(...)`` calls the remote method within ``timeout`` seconds."""

    def __init__(self, proxy, timeout):
        self._proxy = proxy
        self.timeout = timeout

    def within(self, timeout):
        return BoundedService(self._proxy, timeout)

    def __getattr__(self, method):
        return partial(call, self._proxy, method, timeout=self.timeout)


SHORTEST_CALL_SECONDS = 0.05


def call_together(batches, key, service, method, item):
    """``item``'s answer from ``service.method(items)``, called once for ``item`` and the items
    of the other greenthreads calling with ``key`` meanwhile (``batches``, a Coalescer). Each
    caller waits at most ``service``'s timeout from its own call, however long it queued."""
    def call_batch(timed_items):
        first_call = min(called_at for _, called_at in timed_items)
        left = max(first_call + service.timeout - time.monotonic(), SHORTEST_CALL_SECONDS)
        answers = getattr(service.within(left), method)([item for item, _ in timed_items])
        return [outcome_of(answer) for answer in answers]

    return batches.submit(key, (item, time.monotonic()), call_batch).unwrap()


def answer_of(outcome):
    """An item's ``Outcome`` as it travels back from a call made together: its value, or its
    domain error. Any other error is logged here and answered as a 500."""
    if outcome.error is None:
        return {"value": outcome.value}
    error = outcome.error
    if not isinstance(error, DomainError):
        log.error("unexpected error answering one item of a batched call",
                  exc_info=(type(error), error, error.__traceback__))
        error = DomainError("INTERNAL_ERROR", "an unexpected error; it has been logged", 500)
    return {"error": {"code": error.code, "message": error.message, "status": error.status,
                      "details": error.details}}


def outcome_of(answer):
    if "error" in answer:
        error = answer["error"]
        return Outcome(error=DomainError(error["code"], error["message"], error["status"],
                                         error["details"]))
    return Outcome(answer["value"])


class BoundedRpcProxy(RpcProxy):
    """nameko's RpcProxy whose calls time out after ``RPC_TIMEOUT_SECONDS``."""

    def setup(self):
        super().setup()
        self.timeout = plumbing_settings().rpc_timeout_seconds

    def get_dependency(self, worker_ctx):
        return BoundedService(super().get_dependency(worker_ctx), self.timeout)


class ReplyPublisher(Publisher):
    """Publishes RPC answers without waiting for the broker's confirm: one round trip less per
    call. A confirm would only tell the answering service that the broker took the answer; the
    caller, the one who needs it, has its own timeout for an answer that never comes."""

    use_confirms = False


def answer_without_confirms():
    """Makes nameko's RPC entrypoints of this process answer through ``ReplyPublisher``
    (``plumbing.runner`` calls this at start)."""
    Responder.publisher_cls = ReplyPublisher
