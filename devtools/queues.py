"""Turns the classic durable queues of an older Fangxin deployment into quorum queues, keeping
their messages and bindings: ``python -m devtools.queues [AMQP_URI]``.

A queue's type is fixed when it is declared, and a service declaring a quorum queue where a
classic one of that name exists is refused by the broker (PRECONDITION_FAILED), so the queues
are converted once, with every Fangxin process stopped: each classic ``rpc-*``, ``evt-*`` and
``fangxin.poison.*`` queue is emptied into a quorum queue beside it (bound like it, so that
nothing published meanwhile is lost), deleted, declared again as a quorum queue with its
bindings, and refilled. Messages keep their properties and headers. Needs ``rabbitmqctl`` on the
broker's host (in Kubernetes: ``kubectl exec`` into a broker pod, or run it beside one).
"""
import re
import sys
from contextlib import contextmanager

from kombu import Connection

from devtools.broker import queue_types, rabbitmqctl, vhost_of
from plumbing.config import amqp_uri
from plumbing.queues import QUORUM

FANGXIN_DURABLE = re.compile(r"^(rpc-|evt-|fangxin\.poison\.)")
MOVING_SUFFIX = ".to-quorum"


def classic_queues(vhost):
    types = queue_types(vhost)
    if types is None:
        raise RuntimeError(f"rabbitmqctl cannot list the queues of vhost {vhost!r}")
    return sorted(name for name, kind in types.items()
                  if kind == "classic" and FANGXIN_DURABLE.match(name))


def bindings_of(vhost, queue):
    """(exchange, routing key) of each binding of ``queue`` but the default exchange's."""
    listed = rabbitmqctl("list_bindings", "-p", vhost, "source_name", "destination_name",
                          "destination_kind", "routing_key", "--no-table-headers")
    found = []
    for line in listed.stdout.splitlines():
        source, destination, kind, key = (line.split("\t") + [""] * 4)[:4]
        if source and destination == queue and kind == "queue":
            found.append((source, key))
    return found


def _declare_quorum(channel, name, bindings):
    channel.queue_declare(name, durable=True, auto_delete=False, arguments=QUORUM)
    for exchange, key in bindings:
        channel.queue_bind(name, exchange, key)


def _move(channel, source, destination):
    moved = 0
    while (message := channel.basic_get(source)) is not None:
        channel.basic_publish(message, exchange="", routing_key=destination)
        channel.basic_ack(message.delivery_tag)
        moved += 1
    return moved


def migrate(uri):
    """Converts the classic Fangxin queues of ``uri``'s vhost: {queue: messages kept}."""
    vhost, kept = vhost_of(uri), {}
    with Connection(uri) as connection:
        for queue in classic_queues(vhost):
            bindings, moving = bindings_of(vhost, queue), queue + MOVING_SUFFIX
            with _confirming(connection) as channel:
                _declare_quorum(channel, moving, bindings)
                _move(channel, queue, moving)
                channel.queue_delete(queue)
            # a channel that delivered to the classic queue fails delivering to its successor
            # (RabbitMQ 3.10 keeps the old queue type in the channel): a new one does it
            with _confirming(connection) as channel:
                _declare_quorum(channel, queue, bindings)
                for exchange, key in bindings:
                    channel.queue_unbind(moving, exchange, key)
                kept[queue] = _move(channel, moving, queue)
                channel.queue_delete(moving)
    return kept


@contextmanager
def _confirming(connection):
    """A channel whose every publish is confirmed before it returns (so an original is acked
    only once its copy is held)."""
    channel = connection.channel()
    channel.confirm_select()
    try:
        yield channel
    finally:
        channel.close()


def convert_classic_queues(uri=None, quiet=True):
    """Converts what an older version left on the broker (``make run`` does this at start,
    before any process runs); says so when rabbitmqctl cannot see the broker's queues."""
    try:
        kept = migrate(uri or amqp_uri())
    except RuntimeError as exc:
        print(f"classic queues not checked: {exc}")
        return
    for queue, messages in kept.items():
        print(f"{queue}: now a quorum queue, {messages} messages kept")
    if not kept and not quiet:
        print("no classic Fangxin queues: nothing to convert")


if __name__ == "__main__":
    convert_classic_queues(sys.argv[1] if len(sys.argv) > 1 else None, quiet=False)
