"""examples/outside_consumer.py, a consumer outside the system (plain kombu), against a real
event of the running registry: it gets the event on its own durable queue, handles a redelivered
copy only once, and finds events published while it was down waiting when it comes back."""
import json
import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing

import pytest
from kombu import Connection, Exchange, Producer

from devtools.processes import stop_with_parent
from devtools.stack import ROOT
from devtools.waiting import wait_until


class OutsideConsumer:
    def __init__(self, amqp_uri, folder):
        self.amqp_uri = amqp_uri
        self.queue = f"outside-{uuid.uuid4().hex[:8]}"
        self.db = folder / "consumer.sqlite"
        self.log = folder / "consumer.log"
        self.process = None

    def start(self):
        with self.log.open("w") as log:  # from a folder of its own: it needs nothing of ours
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "examples" / "outside_consumer.py"),
                 "--amqp", self.amqp_uri, "--exchange", "registry.events",
                 "--key", "merchant_applied", "--key", "merchant_certified",
                 "--queue", self.queue, "--db", str(self.db)],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.db.parent,
                preexec_fn=stop_with_parent)
        assert wait_until(lambda: "ready:" in self.log.read_text(), 20), self.log.read_text()

    def stop(self):
        self.process.terminate()
        assert self.process.wait(10) == 0

    def handled(self, **data):
        """Events in the consumer's database with these data fields."""
        if not self.db.exists():
            return []
        with closing(sqlite3.connect(self.db)) as db:
            rows = db.execute("SELECT event_id, type, occurred_at, version, data FROM events")
            events = [{"event_id": event_id, "type": event_type, "occurred_at": occurred_at,
                       "version": version, "data": json.loads(data)}
                      for event_id, event_type, occurred_at, version, data in rows]
        return [e for e in events if all(e["data"].get(k) == v for k, v in data.items())]

    def delete_queue(self):
        with Connection(self.amqp_uri) as connection:
            connection.default_channel.queue_delete(self.queue)


@pytest.fixture
def consumer(stack, system_env, tmp_path):
    outside = OutsideConsumer(system_env["AMQP_URI"], tmp_path)
    outside.start()
    yield outside
    if outside.process.poll() is None:
        outside.stop()
    outside.delete_queue()


def apply(client, merchants):
    merchant_id, token, body = merchants.new()
    assert client.post("/api/v1/merchants", token, json=body).status_code == 201
    return merchant_id


def republish(amqp_uri, event):
    """The same envelope once more, as an at-least-once broker may deliver it."""
    with Connection(amqp_uri) as connection:
        Producer(connection).publish(event, exchange=Exchange("registry.events", type="topic",
                                                              durable=True),
                                     routing_key=event["type"], serializer="json")


def test_an_outside_consumer_handles_each_real_event_once(client, merchants, consumer,
                                                          system_env, registry_events):
    merchant_id = apply(client, merchants)
    assert wait_until(lambda: consumer.handled(merchant_id=merchant_id), 20), \
        consumer.log.read_text()
    [event] = consumer.handled(merchant_id=merchant_id)
    assert event["type"] == "merchant_applied" and event["version"] == 1
    envelope = registry_events.events("merchant_applied", merchant_id=merchant_id)[0]
    assert envelope["event_id"] == event["event_id"]

    republish(system_env["AMQP_URI"], envelope)
    assert wait_until(lambda: f"repeat merchant_applied {event['event_id']}"
                      in consumer.log.read_text(), 20), consumer.log.read_text()
    assert len(consumer.handled(merchant_id=merchant_id)) == 1

    consumer.stop()  # its durable queue keeps what is published meanwhile
    while_down = apply(client, merchants)
    assert not consumer.handled(merchant_id=while_down)
    consumer.start()
    assert wait_until(lambda: consumer.handled(merchant_id=while_down), 20), \
        consumer.log.read_text()
