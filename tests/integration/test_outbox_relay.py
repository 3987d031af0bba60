"""The outbox relay against the real broker and store: a pass publishes its events, waits for
the broker's confirms of all of them and only then clears them; a failed pass leaves them for the
next; events nobody woke it for are found by its sweep."""
import time
import uuid

import amqp.exceptions
import eventlet
import pytest
from kombu import Connection, Exchange, Queue
from nameko.constants import HEADER_PREFIX

from devtools.waiting import wait_until
from plumbing.clock import Clock
from plumbing.context import REQUEST_ID_KEY
from plumbing.events import exchange_for, new_event
from plumbing.outbox import PENDING, ConfirmingPublisher, OutboxRelay, new_document_with_events

SOURCE = "relaytest"


@pytest.fixture
def collection(database):
    collection = database("relay")[f"docs_{uuid.uuid4().hex[:8]}"]
    yield collection
    collection.drop()


@pytest.fixture
def received(config):
    """Messages routed by SOURCE's exchange, read from a queue of the test's own."""
    connection = Connection(config["AMQP_URI"])
    queue = Queue(f"relaytest-{uuid.uuid4().hex[:8]}", exchange_for(SOURCE, config),
                  routing_key="#", auto_delete=True)
    queue(connection.default_channel).declare()
    bound = queue(connection.default_channel)

    def read(count, deadline=10):
        messages = []

        def more():
            message = bound.get(no_ack=True)
            if message is not None:
                messages.append(message)
            return len(messages) >= count
        wait_until(more, deadline)
        return messages

    yield read
    bound.delete()
    connection.close()


def pending_documents(collection, count, request_id="req-relay"):
    events = [new_event(SOURCE, "thing_done", {"n": n}, Clock()) for n in range(count)]
    collection.insert_many([new_document_with_events({"_id": f"doc-{n}"}, [event], request_id)
                            for n, event in enumerate(events)])
    return events


def test_a_pass_publishes_every_pending_event_and_then_clears_them(config, collection,
                                                                    received):
    events = pending_documents(collection, 30)
    relay = OutboxRelay(collection.database, [collection.name], config)
    assert relay.drain() == 30
    messages = received(30)
    assert sorted(m.payload["event_id"] for m in messages) == sorted(e["event_id"]
                                                                      for e in events)
    assert {m.headers.get(f"{HEADER_PREFIX}.{REQUEST_ID_KEY}") for m in messages} == {
        "req-relay"}
    assert {m.properties["delivery_mode"] for m in messages} == {2}
    assert collection.count_documents(PENDING) == 0
    relay.publisher.close()


def test_a_pass_the_broker_does_not_take_clears_nothing_and_the_next_pass_publishes_it(
        config, collection, received):
    pending_documents(collection, 5)
    away = OutboxRelay(collection.database, [collection.name],
                       {**config, "AMQP_URI": "amqp://guest:guest@127.0.0.1:1//"})
    with pytest.raises(OSError):  # nothing listens there
        away.drain()
    assert collection.count_documents(PENDING) == 5
    relay = OutboxRelay(collection.database, [collection.name], config)
    assert relay.drain() == 5
    assert len(received(5)) == 5
    relay.publisher.close()


def test_a_batch_returns_only_once_the_broker_confirmed_every_message(config, received):
    """A queue that refuses messages past its first (``reject-publish``) nacks the rest: a
    publisher that did not wait for confirms would return as if all were taken."""
    publisher = ConfirmingPublisher(config["AMQP_URI"])
    exchange = exchange_for(SOURCE, config)
    connection = Connection(config["AMQP_URI"])
    full = Queue(f"relaytest-full-{uuid.uuid4().hex[:8]}", exchange, routing_key="thing_done",
                 auto_delete=True, queue_arguments={"x-max-length": 1,
                                                    "x-overflow": "reject-publish"})
    full(connection.default_channel).declare()
    try:
        with pytest.raises(amqp.exceptions.MessageNacked):
            publisher.publish_all([({"n": n}, exchange, "thing_done", {}) for n in range(3)])
        full(connection.default_channel).purge()
        publisher.publish_all([({"n": "after"}, exchange, "thing_done", {})])
        assert [m.payload for m in received(4)][-1] == {"n": "after"}
    finally:
        full(connection.default_channel).delete()
        connection.close()
        publisher.close()


def test_a_batch_that_fails_part_way_raises_and_the_next_batch_connects_again(config,
                                                                              received):
    publisher = ConfirmingPublisher(config["AMQP_URI"])
    exchange = exchange_for(SOURCE, config)
    missing = Exchange(f"no-such-exchange-{uuid.uuid4().hex[:8]}", "topic", passive=True)
    with pytest.raises(amqp.exceptions.NotFound):
        publisher.publish_all([({"n": 0}, exchange, "thing_done", {}),
                               ({"n": 1}, missing, "thing_done", {})])
    publisher.publish_all([({"n": "after"}, exchange, "thing_done", {})])
    # what went out before the failure arrives (the relay publishes it again: a duplicate
    # that consumers absorb), and so does the next batch
    assert [m.payload for m in received(2)] == [{"n": 0}, {"n": "after"}]
    publisher.close()


def test_the_sweep_publishes_events_that_no_write_woke_the_relay_for(config, collection,
                                                                     received):
    relay = OutboxRelay(collection.database, [collection.name], config, poll_seconds=0.2)
    runner = eventlet.spawn(relay.run)
    try:
        eventlet.sleep(0.3)  # the first pass has found nothing
        pending_documents(collection, 2)  # written as a process that died before waking it
        assert len(received(2)) == 2
        assert wait_until(lambda: collection.count_documents(PENDING) == 0, 5)
    finally:
        relay.stop()
        runner.wait()


def test_the_sweep_still_runs_while_another_collection_is_written_all_the_time(
        config, collection, received):
    busy = collection.database[f"{collection.name}_busy"]
    relay = OutboxRelay(collection.database, [busy.name, collection.name], config,
                        poll_seconds=0.3)
    writing = True

    def keep_writing():
        n = 0
        while writing:
            event = new_event("elsewhere", "thing_done", {"n": n}, Clock())
            busy.insert_one(new_document_with_events({"_id": f"busy-{n}"}, [event]))
            relay.wake(busy.name)
            n += 1
            eventlet.sleep(0.05)

    runner, writer = eventlet.spawn(relay.run), eventlet.spawn(keep_writing)
    try:
        eventlet.sleep(0.2)
        pending_documents(collection, 2)  # left behind, no wake: only a sweep finds them
        assert len(received(2, deadline=5)) == 2
    finally:
        writing = False
        writer.wait()
        relay.stop()
        runner.wait()
        busy.drop()


def test_a_relay_leaves_the_events_of_a_live_writer_to_it_and_publishes_those_of_a_dead_one(
        config, collection, received):
    """Replicas: every relay sees every pending event, and publishes another process's only once
    it is ``orphan_seconds`` old (its writer died before publishing it)."""
    events = pending_documents(collection, 3)  # written by this process's relay's writer
    another = OutboxRelay(collection.database, [collection.name], config, orphan_seconds=5,
                          writer="another-replica")
    try:
        assert another.drain() == 0, "a live writer's fresh events are left to it"
        for n, event in enumerate(events):  # ... and then the writer died, a while ago
            collection.update_one({"_id": f"doc-{n}"},
                                  {"$set": {f"outbox.{event['event_id']}.at": time.time() - 6}})
        assert another.drain() == 3
    finally:
        another.publisher.close()
    assert sorted(m.payload["event_id"] for m in received(3)) == sorted(
        e["event_id"] for e in events)
    assert collection.count_documents(PENDING) == 0
