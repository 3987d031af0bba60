"""Poison does not block a queue (plumbing/consumers.py), on the real broker and store:
undecodable messages go to the service's poison queue, events a handler cannot process are
recorded in ``poison_events``, both are counted, the messages behind them are handled; and a
failure a retry can cure returns the event to the queue until it is handled."""
import uuid

from kombu import Connection, Producer
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from prometheus_client import REGISTRY

from devtools.waiting import poll
from plumbing.clock import Clock
from plumbing.events import exchange_for, new_event
from plumbing.queues import durable_queue
from tests.integration.sample_services import LedgerService, TroubledLedgerService, Troubles


def consumed(service, handler, outcome):
    return REGISTRY.get_sample_value("fangxin_events_consumed_total", {
        "service": service, "handler": handler, "outcome": outcome}) or 0


def test_undecodable_messages_are_set_aside_in_the_poison_queue_and_counted(
        start_service, config, database):
    ledger = start_service(LedgerService)
    marker = uuid.uuid4().hex.encode()
    before = consumed("ledger", "parcel_sent", "undecodable")
    good = new_event("parcels", "parcel_sent", {"tracking": "SF900"}, Clock())
    # confirmed, so queued ahead of the good event, which comes over another connection
    with Connection(config["AMQP_URI"], transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        exchange = exchange_for("parcels", config)
        for body, content_type in ((b"\xff\xfe{not json " + marker, "application/json"),
                                   (b"plain words " + marker, "text/plain")):
            producer.publish(body, exchange=exchange, routing_key="parcel_sent",
                             content_type=content_type, content_encoding="binary")
        with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10):
            event_dispatcher(config)("parcels", "parcel_sent", good)
        assert database("ledger")["effects"].count_documents({"event_id": good["event_id"]}) == 1
        assert consumed("ledger", "parcel_sent", "undecodable") == before + 2

        poison = durable_queue("fangxin.poison.ledger")(connection.default_channel)
        kept = []

        def set_aside():  # a quorum queue holds a message once its members agreed: poll
            while (message := poison.get(no_ack=True)) is not None:
                kept.append(message)
            return [m for m in kept if marker in m.body]
        mine = poll(set_aside, lambda found: len(found) == 2, seconds=10)
    assert sorted(m.content_type for m in mine) == ["application/json", "text/plain"]
    assert all(m.headers["x-routing-key"] == "parcel_sent" and m.headers["x-error"]
               for m in mine)


def test_an_event_its_handler_cannot_process_is_recorded_and_the_next_is_handled(
        start_service, config, database):
    start_service(TroubledLedgerService)
    before = consumed("troubled_ledger", "on_parcel_weighed", "poison")
    bad = new_event("parcels", "parcel_weighed", {"kilos": "three"}, Clock())
    good = new_event("parcels", "parcel_weighed", {"grams": 1200}, Clock())
    dispatch = event_dispatcher(config)
    dispatch("parcels", "parcel_weighed", bad)
    dispatch("parcels", "parcel_weighed", good)
    weights = database("troubled_ledger")["weights"]
    assert poll(lambda: weights.count_documents({"event_id": good["event_id"]}), bool,
                seconds=15) == 1
    poison = database("troubled_ledger")["poison_events"]
    [record] = poll(lambda: list(poison.find({"payload": {"$regex": bad["event_id"]}})), bool,
                    seconds=15)
    assert "KeyError" in record["problems"]["handler"][0]
    assert consumed("troubled_ledger", "on_parcel_weighed", "poison") == before + 1


def test_an_event_whose_handler_meets_something_away_is_retried_until_handled(
        start_service, config, database):
    start_service(TroubledLedgerService)
    Troubles.away, Troubles.attempts = True, 0
    lost = new_event("parcels", "parcel_lost", {"tracking": "SF901"}, Clock())
    event_dispatcher(config)("parcels", "parcel_lost", lost)
    assert poll(lambda: Troubles.attempts, lambda n: n >= 2, seconds=15) >= 2
    Troubles.away = False
    losses = database("troubled_ledger")["losses"]
    assert poll(lambda: losses.count_documents({"event_id": lost["event_id"]}), bool,
                seconds=15) == 1
    assert database("troubled_ledger")["poison_events"].count_documents(
        {"payload": {"$regex": lost["event_id"]}}) == 0
