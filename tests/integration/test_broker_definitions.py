"""The broker's definitions (devtools/broker_definitions.py) as the real broker applies them:
an event no queue is bound for is kept, the poison queues exist, and the manifests load the
same definitions."""
import json
import uuid

from kombu import Connection, Exchange, Producer, Queue

from devtools import broker_definitions
from devtools.broker import queue_types, vhost_of
from devtools.waiting import poll


def test_an_event_no_queue_is_bound_for_is_kept_for_operators(config):
    uri, marker = config["AMQP_URI"], uuid.uuid4().hex
    exchange = Exchange("nobody.events", type="topic", durable=True)
    with Connection(uri) as connection:
        Producer(connection.default_channel).publish(
            {"marker": marker}, exchange=exchange, routing_key="unheard_of", declare=[exchange])
        unrouted = Queue(broker_definitions.UNROUTED, durable=True,
                         queue_arguments={"x-queue-type": "quorum",
                                          "x-max-length": broker_definitions.UNROUTED_KEPT})(
            connection.default_channel)

        def kept():
            while (message := unrouted.get(no_ack=True)) is not None:
                if message.payload.get("marker") == marker:
                    return message
            return None
        message = poll(kept, bool, seconds=10)
    assert message.delivery_info["routing_key"] == "unheard_of"


def test_the_poison_queues_are_quorum_queues_before_any_poison(config):
    types = poll(lambda: queue_types(vhost_of(config["AMQP_URI"])),
                 lambda found: found and "fangxin.poison.coupons" in found, seconds=10)
    assert all(types[f"fangxin.poison.{s}"] == "quorum" for s in broker_definitions.SERVICES)


def test_the_manifests_load_the_same_definitions():
    assert broker_definitions.MANIFEST.read_text() == broker_definitions.manifest_text(), (
        "run `python -m devtools.broker_definitions` to write them again")
    assert json.loads(broker_definitions.MANIFEST.read_text()) == broker_definitions.definitions()
