"""Two versions of one event on the real broker and store: one write publishes the fact once
per live version (through the outbox), a consumer of v1 and one of v2 each receive their own
shape of it under their own routing key, with the same event_id. The contracts are the
throwaway two-version ones of tests/unit/test_event_versions.py."""
import uuid

from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from devtools.waiting import wait_until as wait_for
from plumbing.clock import Clock, ClockProvider
from plumbing.consumers import consumes
from plumbing.events import new_event, routing_key
from plumbing.mongo import BaseStore, Mongo
from plumbing.outbox import new_document_with_events
from plumbing.service import FangxinService, rpc
from tests.unit.test_event_versions import CONTRACTS, SOURCE


class ShipmentStore(BaseStore):
    OUTBOX_COLLECTIONS = ("parcels",)


class VersionedParcelService(FangxinService):
    """Publishes ``parcel_sent`` in v2 and, for its deprecation window, v1."""
    name = SOURCE
    event_contracts = CONTRACTS

    store = Mongo(ShipmentStore)
    clock = ClockProvider()

    @rpc
    def send_by_drone(self, parcel_id):
        envelopes = self._envelopes([("parcel_sent", {
            "parcel_id": parcel_id, "speed": "drone", "drone_id": "d7"})])
        self.store.db["parcels"].insert_one(new_document_with_events({"_id": parcel_id},
                                                                     envelopes))
        self.store.events_written("parcels")
        return envelopes[0]["event_id"]


class ReaderStore(BaseStore):
    pass


class OldReaderService(FangxinService):
    """Written for v1, and left alone when v2 came."""
    name = "parcel_reader_v1"
    store = Mongo(ReaderStore)
    clock = ClockProvider()

    @consumes(SOURCE, "parcel_sent")
    def on_parcel_sent(self, envelope):
        self.store.db["seen"].insert_one(envelope)


class NewReaderService(FangxinService):
    """Written for v2."""
    name = "parcel_reader_v2"
    store = Mongo(ReaderStore)
    clock = ClockProvider()

    @consumes(SOURCE, "parcel_sent", version=2)
    def on_parcel_sent(self, envelope):
        self.store.db["seen"].insert_one(envelope)


def test_a_consumer_of_each_version_receives_its_own_shape_of_one_fact(
        start_service, rpc, database):
    start_service(VersionedParcelService)
    old, new = start_service(OldReaderService), start_service(NewReaderService)
    parcel_id = uuid.uuid4().hex
    with entrypoint_waiter(old, "on_parcel_sent", timeout=10), \
            entrypoint_waiter(new, "on_parcel_sent", timeout=10):
        event_id = rpc(SOURCE).send_by_drone(parcel_id)

    def seen(reader):
        return list(database(reader)["seen"].find({"data.parcel_id": parcel_id}, {"_id": 0}))

    [v1] = seen("parcel_reader_v1")
    [v2] = seen("parcel_reader_v2")
    assert (v1["version"], v1["data"]) == (1, {"parcel_id": parcel_id, "speed": "express"})
    assert (v2["version"], v2["data"]) == (2, {"parcel_id": parcel_id, "speed": "drone",
                                               "drone_id": "d7"})
    assert v1["event_id"] == v2["event_id"] == event_id
    stored = database(SOURCE)["parcels"]
    assert wait_for(lambda: stored.find_one({"_id": parcel_id})["outbox_count"] == 0)
    # each reader got its version only, once
    assert len(seen("parcel_reader_v1")) == 1 and len(seen("parcel_reader_v2")) == 1


def test_an_envelope_of_another_version_under_a_consumers_key_is_set_aside(
        start_service, config, database):
    new = start_service(NewReaderService)
    parcel_id = uuid.uuid4().hex
    wrong = new_event(SOURCE, "parcel_sent", {"parcel_id": parcel_id, "speed": "express"},
                      Clock(), version=1)
    dispatch = event_dispatcher(config)
    with entrypoint_waiter(new, "on_parcel_sent", timeout=10):
        dispatch(SOURCE, routing_key("parcel_sent", 2), wrong)
    assert database("parcel_reader_v2")["seen"].count_documents(
        {"data.parcel_id": parcel_id}) == 0
    [poison] = database("parcel_reader_v2")["poison_events"].find({"payload": {
        "$regex": parcel_id}})
    assert "version" in poison["problems"]
