"""Small services built on the shared plumbing, to test the plumbing itself."""
import uuid

from pymongo import ASCENDING, IndexModel

from plumbing.clock import ClockProvider
from plumbing.consumers import consumes
from plumbing.context import current_request_id
from plumbing.errors import ServiceUnavailable
from plumbing.events import new_event
from plumbing.mongo import BaseStore, Mongo
from plumbing.outbox import new_document_with_events, update_with_events
from plumbing.service import FangxinService, rpc


class ParcelStore(BaseStore):
    INDEXES = {"parcels": [IndexModel([("tracking", ASCENDING)], unique=True)]}
    OUTBOX_COLLECTIONS = ("parcels",)


class ParcelService(FangxinService):
    """Writes documents with events in their outbox."""
    name = "parcels"

    store = Mongo(ParcelStore)
    clock = ClockProvider()

    @rpc
    def send(self, tracking):
        event = new_event(self.name, "parcel_sent", {"tracking": tracking}, self.clock)
        document = {"_id": uuid.uuid4().hex, "tracking": tracking, "status": "sent"}
        self.store.db["parcels"].insert_one(new_document_with_events(document, [event]))
        self.store.events_written("parcels")
        return {"parcel_id": document["_id"], "event_id": event["event_id"]}

    @rpc
    def deliver(self, parcel_id):
        event = new_event(self.name, "parcel_delivered", {"parcel_id": parcel_id}, self.clock)
        self.store.db["parcels"].update_one(
            {"_id": parcel_id}, update_with_events({"$set": {"status": "delivered"}}, [event]))
        self.store.events_written("parcels")
        return event["event_id"]

    @rpc
    def whoami(self):
        return current_request_id()


class LedgerStore(BaseStore):
    pass


class LedgerService(FangxinService):
    """Consumes the parcel events and records every effect, to count repeats."""
    name = "ledger"

    store = Mongo(LedgerStore)
    clock = ClockProvider()

    @consumes("parcels", "parcel_sent")
    def on_parcel_sent(self, envelope):
        self.store.db["effects"].insert_one({
            "event_id": envelope["event_id"], "type": envelope["type"],
            "request_id": current_request_id()})

    @consumes("parcels", "parcel_delivered")
    def on_parcel_delivered(self, envelope):
        self.store.db["effects"].insert_one({
            "event_id": envelope["event_id"], "type": envelope["type"],
            "request_id": current_request_id()})


class Troubles:
    """What the troubled handlers below meet: a store or service away, for a while."""
    away = False
    attempts = 0


class TroubledLedgerService(FangxinService):
    """Handlers that fail: on bad data (a retry cannot cure it) and while something is away
    (a retry can)."""
    name = "troubled_ledger"

    store = Mongo(LedgerStore)
    clock = ClockProvider()

    @consumes("parcels", "parcel_weighed")
    def on_parcel_weighed(self, envelope):
        grams = int(envelope["data"]["grams"])
        self.store.db["weights"].insert_one({"event_id": envelope["event_id"], "grams": grams})

    @consumes("parcels", "parcel_lost")
    def on_parcel_lost(self, envelope):
        Troubles.attempts += 1
        if Troubles.away:
            raise ServiceUnavailable("the tracking service is away")
        self.store.db["losses"].insert_one({"event_id": envelope["event_id"]})
