"""Surviving the loss of the broker connection in the middle of work (nameko 2.14).

nameko acks (or requeues) a message when its worker is done, and answers an RPC first. When the
broker connection went away meanwhile, only amqp's ``ConnectionError`` is caught there: a
socket error (``ECONNRESET``, ``EPIPE``) or kombu's ``OperationalError`` from the reply escapes
into the container's thread and kills the whole service, which then never comes back. Nothing is
lost by carrying on instead: the broker has taken the unacknowledged message back and delivers it
again once a consumer reconnects (handlers are idempotent), and the caller of an RPC whose answer
could not be sent has its own timeout. Found by tests/faults (a stop of the broker's app during
a claim rush killed the coupons service). ``plumbing.runner`` calls ``install()`` at start.
"""
import logging

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.messaging import QueueConsumer
from nameko.rpc import RpcConsumer

log = logging.getLogger(__name__)

CONNECTION_LOST = (AmqpConnectionError, OperationalError, OSError)


def _settle_unless_connection_lost(settle):
    """QueueConsumer.ack_message / requeue_message, carrying on when the connection is gone."""
    def settle_message(self, message):
        try:
            settle(self, message)
        except CONNECTION_LOST as exc:
            log.warning("broker connection lost before a message was settled; the broker "
                        "delivers it again", extra={"error": repr(exc)})
    settle_message.tolerant = True  # type: ignore[attr-defined]
    return settle_message


def _answer_unless_connection_lost(answer):
    """RpcConsumer.handle_result (answer, then ack), carrying on when the connection is gone:
    the caller times out, the request is delivered again."""
    def handle_result(self, message, result, exc_info):
        try:
            return answer(self, message, result, exc_info)
        except CONNECTION_LOST as exc:
            log.warning("broker connection lost before an RPC was answered; the request is "
                        "delivered again", extra={"error": repr(exc)})
            return result, exc_info
    return handle_result


def install():
    if getattr(QueueConsumer.ack_message, "tolerant", False):
        return
    QueueConsumer.ack_message = _settle_unless_connection_lost(QueueConsumer.ack_message)
    QueueConsumer.requeue_message = _settle_unless_connection_lost(
        QueueConsumer.requeue_message)
    RpcConsumer.handle_result = _answer_unless_connection_lost(RpcConsumer.handle_result)
