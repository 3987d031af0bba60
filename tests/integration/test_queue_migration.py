"""Converting an older deployment's classic queues (devtools/queues.py) on the real broker: the
queue becomes a quorum queue, keeps its messages with their properties and its bindings, and a
service declaring it as a quorum queue then starts on it."""
import uuid

import pytest
from kombu import Connection, Exchange, Producer, Queue

from devtools.broker import create_vhost, delete_vhost, queue_types, with_vhost
from devtools.queues import migrate
from tests.conftest import RUN_ID


@pytest.fixture
def old_vhost(amqp_uri):
    vhost = create_vhost(f"fangxin-migration-{RUN_ID}-{uuid.uuid4().hex[:6]}")
    if vhost is None:
        pytest.skip("rabbitmqctl cannot make a vhost here")
    yield vhost, with_vhost(amqp_uri, vhost)
    delete_vhost(vhost)


def test_classic_queues_become_quorum_queues_with_their_messages_and_bindings(old_vhost):
    vhost, uri = old_vhost
    exchange = Exchange("parcels.events", type="topic", durable=True)
    classic = Queue("evt-parcels-parcel_sent--ledger.on_parcel_sent", exchange,
                    routing_key="parcel_sent", durable=True)
    with Connection(uri) as connection:
        producer = Producer(connection.default_channel)
        for n in range(3):
            producer.publish({"n": n}, exchange=exchange, routing_key="parcel_sent",
                             declare=[classic], headers={"nameko.call_id_stack": [f"c{n}"]},
                             correlation_id=f"id-{n}")
    assert queue_types(vhost)[classic.name] == "classic"

    assert migrate(uri) == {classic.name: 3}
    types = queue_types(vhost)
    assert types[classic.name] == "quorum" and len(types) == 1

    with Connection(uri) as connection:
        Producer(connection.default_channel).publish({"n": 3}, exchange=exchange,
                                                     routing_key="parcel_sent")
        queue = Queue(classic.name, durable=True, queue_arguments={"x-queue-type": "quorum"})(
            connection.default_channel)
        queue.declare()  # as the service declares it: accepted
        kept = []
        while (message := queue.get(no_ack=True)) is not None:
            kept.append(message)
    assert [m.payload["n"] for m in kept] == [0, 1, 2, 3]
    assert [m.properties["correlation_id"] for m in kept[:3]] == ["id-0", "id-1", "id-2"]
    assert kept[0].headers["nameko.call_id_stack"] == ["c0"]


def test_a_vhost_without_classic_queues_is_left_alone(old_vhost):
    assert migrate(old_vhost[1]) == {}
