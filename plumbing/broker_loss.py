"""Surviving the loss of the broker connection in the middle of work (nameko 2.14).

nameko acks (or requeues) a message when its worker is done, and answers an RPC first. When the
broker connection went away meanwhile, only amqp's ``ConnectionError`` is caught there: a
socket error (``ECONNRESET``, ``EPIPE``) or kombu's ``OperationalError`` from the reply escapes
into the container's thread and kills the whole service, which then never comes back. Nothing is
lost by carrying on instead: the broker has taken the unacknowledged message back and delivers it
again once a consumer reconnects (handlers are idempotent), and the caller of an RPC whose answer
could not be sent has its own timeout. Found by tests/faults (a stop of the broker's app during
a claim rush killed the coupons service). ``install()`` is called where the plumbing is imported.
"""
import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

log = logging.getLogger(__name__)

CONNECTION_LOST = (AmqpConnectionError, OperationalError, OSError)


def _tolerant(settle, what):
    def settle_unless_connection_lost(self, message, *args, **kwargs):
        try:
            return settle(self, message, *args, **kwargs)
        except CONNECTION_LOST as exc:
            log.warning("broker connection lost before %s; the broker delivers the message "
                        "again", what, extra={"error": repr(exc)})
            return None if what != "answering an RPC" else (args[0], args[1])
    settle_unless_connection_lost.tolerant = True
    return settle_unless_connection_lost


def install():
    if getattr(QueueConsumer.ack_message, "tolerant", False):
        return
    QueueConsumer.ack_message = _tolerant(QueueConsumer.ack_message, "an ack")
    QueueConsumer.requeue_message = _tolerant(QueueConsumer.requeue_message, "a requeue")
    RpcConsumer.handle_result = _tolerant(RpcConsumer.handle_result, "answering an RPC")
