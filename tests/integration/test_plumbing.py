"""The shared plumbing against the real RabbitMQ and the real store."""
import pytest
import requests
from nameko.amqp.publish import Publisher
from nameko.rpc import Responder
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from nameko.web.server import WebServer
from prometheus_client import REGISTRY
from pymongo.errors import InvalidOperation

from devtools.waiting import wait_until as wait_for
from plumbing.clock import Clock
from plumbing.events import new_event
from plumbing.mongo import Mongo
from plumbing.outbox import new_document_with_events
from plumbing.rpc import ReplyPublisher, answer_without_confirms
from tests.integration.sample_services import LedgerService, ParcelService


def calls(count):
    """An entrypoint_waiter callback that returns after ``count`` calls."""
    seen = []

    def callback(worker_ctx, result, exc_info):
        seen.append(exc_info)
        return len(seen) >= count
    return callback


def http_port(container):
    server = next(e for e in container.subextensions if isinstance(e, WebServer))
    return server._sock.getsockname()[1]


def mongo_provider(container):
    return next(d for d in container.dependencies if isinstance(d, Mongo))


def test_mongo_provider_creates_indexes_at_start_and_closes_its_client_on_stop(
        start_service, database):
    container = start_service(ParcelService)
    indexes = database("parcels")["parcels"].index_information()
    assert any(info.get("unique") and info["key"] == [("tracking", 1)]
               for info in indexes.values())
    assert any(info["key"] == [("outbox_count", 1)] for info in indexes.values())

    provider = mongo_provider(container)
    container.stop()
    with pytest.raises(InvalidOperation):
        provider.client["x"].command("ping")


def test_an_event_written_with_its_change_reaches_the_consumer_and_leaves_the_outbox(
        start_service, rpc, database):
    parcels = start_service(ParcelService)
    ledger = start_service(LedgerService)
    with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10):
        sent = rpc("parcels", request_id="req-outbox-1").send("SF100")

    effects = list(database("ledger")["effects"].find({"event_id": sent["event_id"]}))
    assert len(effects) == 1
    assert effects[0]["request_id"] == "req-outbox-1"
    stored = database("parcels")["parcels"]
    assert wait_for(lambda: stored.find_one({"_id": sent["parcel_id"]})["outbox_count"] == 0)
    assert stored.find_one({"_id": sent["parcel_id"]})["outbox"] == {}
    assert parcels.service_name == "parcels"


def test_updates_carry_events_through_the_outbox_too(start_service, rpc, database):
    start_service(ParcelService)
    ledger = start_service(LedgerService)
    with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10):
        sent = rpc("parcels").send("SF101")
    with entrypoint_waiter(ledger, "on_parcel_delivered", timeout=10):
        event_id = rpc("parcels").deliver(sent["parcel_id"])
    assert database("ledger")["effects"].count_documents({"event_id": event_id}) == 1


def test_events_left_in_the_outbox_by_a_dead_process_are_published_after_restart(
        start_service, database):
    # as if the previous process stored the change and died before publishing its event
    event = new_event("parcels", "parcel_sent", {"tracking": "SF102"}, Clock())
    database("parcels")["parcels"].insert_one(
        new_document_with_events({"_id": "left-behind", "tracking": "SF102"}, [event]))
    ledger = start_service(LedgerService)
    with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10,
                           callback=lambda ctx, result, exc: ctx.args[0]["event_id"]
                           == event["event_id"]):
        start_service(ParcelService)
    assert database("ledger")["effects"].count_documents({"event_id": event["event_id"]}) == 1


def consumed(handler, outcome):
    return REGISTRY.get_sample_value("fangxin_events_consumed_total", {
        "service": "ledger", "handler": handler, "outcome": outcome}) or 0


def test_an_event_delivered_twice_is_handled_once(start_service, config, database):
    ledger = start_service(LedgerService)
    event = new_event("parcels", "parcel_sent", {"tracking": "SF103"}, Clock())
    duplicates_before = consumed("on_parcel_sent", "duplicate")
    dispatch = event_dispatcher(config)
    with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10, callback=calls(2)):
        dispatch("parcels", "parcel_sent", event)
        dispatch("parcels", "parcel_sent", event)
    assert database("ledger")["effects"].count_documents({"event_id": event["event_id"]}) == 1
    assert consumed("on_parcel_sent", "duplicate") == duplicates_before + 1


def test_a_malformed_event_is_set_aside_and_the_queue_moves_on(start_service, config,
                                                                database):
    ledger = start_service(LedgerService)
    good = new_event("parcels", "parcel_sent", {"tracking": "SF104"}, Clock())
    poison_before = database("ledger")["poison_events"].count_documents({})
    dispatch = event_dispatcher(config)
    with entrypoint_waiter(ledger, "on_parcel_sent", timeout=10, callback=calls(2)):
        dispatch("parcels", "parcel_sent", {"event_id": "no-type-no-data"})
        dispatch("parcels", "parcel_sent", good)
    assert database("ledger")["poison_events"].count_documents({}) == poison_before + 1
    assert database("ledger")["effects"].count_documents({"event_id": good["event_id"]}) == 1


def test_the_request_id_travels_in_the_rpc_context(start_service, rpc):
    start_service(ParcelService)
    assert rpc("parcels", request_id="req-rpc-7").whoami() == "req-rpc-7"
    generated = rpc("parcels").whoami()
    assert isinstance(generated, str) and len(generated) == 32


def test_rpc_answers_go_out_without_waiting_for_a_confirm_and_arrive(
        start_service, rpc, monkeypatch):
    monkeypatch.setattr(Responder, "publisher_cls", Responder.publisher_cls)  # undone after
    answer_without_confirms()
    published = []  # use_confirms of each answer's publisher; the answer is really published

    def publish(self, *args, **kwargs):
        published.append(self.use_confirms)
        return Publisher.publish(self, *args, **kwargs)

    monkeypatch.setattr(ReplyPublisher, "publish", publish)
    start_service(ParcelService)
    assert rpc("parcels", request_id="req-unconfirmed").whoami() == "req-unconfirmed"
    assert published == [False]


def test_every_entrypoint_is_counted_and_timed(start_service, rpc):
    start_service(ParcelService)
    labels = {"service": "parcels", "entrypoint": "whoami", "kind": "rpc"}
    before = REGISTRY.get_sample_value("fangxin_entrypoint_calls_total",
                                       {**labels, "outcome": "ok"}) or 0
    rpc("parcels").whoami()
    rpc("parcels").whoami()
    # nameko replies before it runs the providers' worker_result hooks, so poll briefly
    assert wait_for(lambda: REGISTRY.get_sample_value(
        "fangxin_entrypoint_calls_total", {**labels, "outcome": "ok"}) == before + 2)
    assert REGISTRY.get_sample_value("fangxin_entrypoint_latency_seconds_count", labels) >= 2


def test_every_service_serves_healthz_and_metrics(start_service, rpc):
    container = start_service(ParcelService)
    base = f"http://127.0.0.1:{http_port(container)}"
    assert requests.get(f"{base}/healthz", timeout=5).json() == {"status": "ok"}
    rpc("parcels").whoami()
    metrics = requests.get(f"{base}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert 'fangxin_entrypoint_calls_total{entrypoint="whoami"' in metrics.text
    assert rpc("parcels").health() == {"status": "ok", "service": "parcels"}
