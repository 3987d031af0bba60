"""An outside consumer of Fangxin's events: plain kombu, no nameko, nothing from this repository.

It binds a durable queue of its own to a service's topic exchange, so events wait for it while
it is down, and handles each event once: delivery is at-least-once, so its work and the
``event_id`` it handled are committed in one SQLite transaction, and the message is acknowledged
only after that commit. Its work here is keeping the event in its own table; a real consumer
would update its figures in the same transaction. An event type's ``version`` rises only when
its data changes in a way that could break consumers.

    python examples/outside_consumer.py --exchange registry.events --key 'merchant_*' \\
        --queue analytics.registry --db analytics.sqlite

The document of every event (exchanges, routing keys, payloads, versions) is
contracts/asyncapi.json, also served by the gateway at /asyncapi.json.
"""
import argparse
import json
import signal
import sqlite3
import sys

from kombu import Connection, Exchange, Queue, binding


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--amqp", default="amqp://guest:guest@127.0.0.1:5672/")
    parser.add_argument("--exchange", required=True, help="<service>.events")
    parser.add_argument("--key", action="append", required=True,
                        help="routing key pattern (event type, * or #); repeatable")
    parser.add_argument("--queue", required=True, help="the durable queue of this consumer")
    parser.add_argument("--db", required=True, help="this consumer's SQLite database")
    return parser.parse_args(argv)


class Ledger:
    """This consumer's database: the events it handled, by ``event_id``."""

    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS events (event_id TEXT PRIMARY KEY, "
                        "type TEXT, occurred_at TEXT, version INTEGER, data TEXT)")

    def handle_once(self, event):
        """True when the event was new and has been handled, False for a repeat."""
        with self.db:  # one transaction: the work and the id that marks it done
            inserted = self.db.execute(
                "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                (event["event_id"], event["type"], event["occurred_at"], event["version"],
                 json.dumps(event["data"], ensure_ascii=False))).rowcount
        return inserted == 1


def queue_of(args):
    exchange = Exchange(args.exchange, type="topic", durable=True)
    return Queue(args.queue, durable=True, auto_delete=False,
                 bindings=[binding(exchange, routing_key=key) for key in args.key])


def on_message(ledger, body, message):
    try:
        event = json.loads(body) if isinstance(body, (str, bytes)) else body
        event_id, event_type = event["event_id"], event["type"]
        handled = ledger.handle_once(event)
    except (ValueError, TypeError, KeyError):
        print("dropped: not an event envelope", flush=True)
        message.reject()  # not requeued: it would come back forever
        return
    if handled:
        print(f"handled {event_type} {event_id}", flush=True)
    else:
        print(f"repeat {event_type} {event_id}", flush=True)
    message.ack()


def main(argv=None):
    args = parse_args(argv)
    ledger = Ledger(args.db)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    with Connection(args.amqp, heartbeat=30) as connection:
        queue = queue_of(args)
        with connection.Consumer(queue, callbacks=[lambda body, message: on_message(
                ledger, body, message)], accept=["json"], prefetch_count=10):
            print(f"ready: {args.queue} bound to {args.exchange} {args.key}", flush=True)
            while not stopping:  # SIGTERM stops it between messages
                try:
                    connection.drain_events(timeout=1)
                except TimeoutError:
                    connection.heartbeat_check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
