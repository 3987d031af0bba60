"""The queues Fangxin declares, and RPC requests that expire with their caller.

Every durable queue is a quorum queue: replicated over the broker's nodes, it keeps serving when
the node it was declared on restarts (a classic queue stops with its node). Queues that live and
die with one consumer (RPC replies, broadcast handlers) stay classic, since a quorum queue can be
neither exclusive nor auto-deleted. A broadcast queue goes with its consumer's connection (or
its node), and the events published until it is declared again reach no one: broadcast handlers
consume on a connection of their own, and each time it consumes again the service's
``@after_missed_events`` methods run (a cache that events keep true is dropped whole).

An RPC request carries its caller's deadline twice: as the AMQP expiration (the broker drops a
request that waited in the queue longer than its caller waits) and as a header the answering
worker checks before it starts (a request the consumer had already taken, waiting behind busy
workers, expires as well). A request whose caller has given up is acknowledged and never run.
The header holds the caller's wall clock time, so the hosts' clocks are assumed synchronised
(NTP, as every Kubernetes node is).
"""
import logging
import time

from kombu import Queue
from nameko.events import EventHandler
from nameko.extensions import Entrypoint
from nameko.messaging import QueueConsumer
from nameko.rpc import MethodProxy, Rpc, RpcConsumer
from prometheus_client import Counter

from plumbing.errors import DomainError, unavailable
from plumbing.write_errors import STORE_AWAY

log = logging.getLogger(__name__)

QUORUM = {"x-queue-type": "quorum"}
DEADLINE_HEADER = "fangxin.deadline"
EXPIRED_REQUESTS = Counter(
    "fangxin_rpc_expired_total", "RPC requests dropped unrun: their caller had given up",
    ["service", "method"])


def quorum(queue):
    """``queue`` (a kombu Queue), declared as a quorum queue."""
    queue.queue_arguments = {**(queue.queue_arguments or {}), **QUORUM}
    return queue


def durable_queue(name):
    """A durable quorum queue bound to nothing (the poison queues)."""
    return quorum(Queue(name, durable=True))


class QuorumRpcConsumer(RpcConsumer):
    def setup(self):
        super().setup()
        quorum(self.queue)


class ExpiringRpc(Rpc):
    """nameko's RPC entrypoint on a quorum queue, which drops requests whose caller gave up and
    answers a store away for a moment (a primary election) as 503, to be retried."""

    rpc_consumer = QuorumRpcConsumer()

    def handle_message(self, body, message):
        deadline, now = (message.headers or {}).get(DEADLINE_HEADER), time.time()
        if isinstance(deadline, (int, float)) and now > deadline:
            EXPIRED_REQUESTS.labels(self.container.service_name, self.method_name).inc()
            log.warning("RPC request dropped: its caller gave up", extra={
                "method": self.method_name, "late_seconds": round(now - deadline, 3)})
            self.rpc_consumer.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None and isinstance(exc_info[1], STORE_AWAY):
            error = unavailable("the store is not answering; retry shortly")
            exc_info = (type(error), error, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


def rpc(method):
    """nameko's ``@rpc`` on a quorum queue, requests dropped once their caller gave up, and
    domain errors expected: they are answers, logged as warnings."""
    return ExpiringRpc.decorator(expected_exceptions=(DomainError,))(method)


class QuorumEventHandler(EventHandler):
    """nameko's event handler on a quorum queue."""

    def setup(self):
        super().setup()
        quorum(self.queue)


class AfterMissedEvents(Entrypoint):
    """Runs its method when the service's broadcast handlers consume again after losing their
    connection: the events published meanwhile did not reach them."""


after_missed_events = AfterMissedEvents.decorator


class ResumingQueueConsumer(QueueConsumer):
    """nameko's queue consumer (a connection of its own) that, each time it consumes again
    after losing its connection, runs the service's ``@after_missed_events`` methods."""

    def on_consume_ready(self, connection, channel, consumers, **kwargs):
        resumed = self._consumers_ready.ready()
        super().on_consume_ready(connection, channel, consumers, **kwargs)
        if not resumed:
            return
        log.warning("broadcast handlers consuming again: events meanwhile were missed")
        for entrypoint in self.container.entrypoints:
            if isinstance(entrypoint, AfterMissedEvents):
                self.container.spawn_worker(entrypoint, (), {})


class BroadcastEventHandler(EventHandler):
    """nameko's unreliable (broadcast) event handler on a transient queue, consumed on the
    ``ResumingQueueConsumer``'s connection. nameko declares the queue durable: on a cluster, a
    durable classic queue whose node died stays in the cluster's metadata and cannot be
    declared again until the node is back, and the connection retrying that declaration stops
    consuming everything else meanwhile. A transient one goes with its node and is declared
    anew on another at once."""

    queue_consumer = ResumingQueueConsumer()

    def setup(self):
        super().setup()
        self.queue.durable = False


def event_handler(source, event_type, reliable_delivery=True, **options):
    """nameko's ``@event_handler``: on a quorum queue, or, unreliable, a broadcast handler."""
    handler = QuorumEventHandler if reliable_delivery else BroadcastEventHandler
    return handler.decorator(source, event_type, reliable_delivery=reliable_delivery, **options)


class ExpiringMethodProxy(MethodProxy):
    """One call of ``method`` through ``service_proxy`` (nameko's ServiceProxy) that expires
    after ``seconds``."""

    def __init__(self, service_proxy, method, seconds):
        self.deadline = time.time() + seconds
        super().__init__(service_proxy.worker_ctx, service_proxy.service_name, method,
                         service_proxy.reply_listener,
                         **{**service_proxy.options, "expiration": seconds})

    def get_message_headers(self, worker_ctx):
        return {**super().get_message_headers(worker_ctx), DEADLINE_HEADER: self.deadline}
