"""Bounded RPC: nameko's RPC has no timeout, so every call made through ``BoundedRpcProxy``
carries one, and a silent or missing service becomes a quick ``ServiceUnavailable`` (503)
instead of a hung caller."""
import socket
from functools import partial

import eventlet
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.amqp.publish import Publisher
from nameko.exceptions import UnknownService
from nameko.rpc import Responder, RpcProxy

from plumbing.config import env_float
from plumbing.errors import ServiceUnavailable

UNREACHABLE = (UnknownService, AmqpConnectionError, OperationalError, socket.error)


def call(proxy, method, *args, timeout, **kwargs):
    service = proxy.service_name
    deadline = eventlet.Timeout(timeout)
    try:
        return getattr(proxy, method)(*args, **kwargs)
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
        self._timeout = timeout

    def within(self, timeout):
        return BoundedService(self._proxy, timeout)

    def __getattr__(self, method):
        return partial(call, self._proxy, method, timeout=self._timeout)


class BoundedRpcProxy(RpcProxy):
    """nameko's RpcProxy whose calls time out after ``RPC_TIMEOUT_SECONDS``."""

    def setup(self):
        super().setup()
        self.timeout = env_float("RPC_TIMEOUT_SECONDS", 5.0)

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
