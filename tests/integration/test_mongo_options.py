"""The manifests' MongoDB client options (MONGO_OPTIONS in deploy/k8s/base/config.env) against the
store of the tests, through plumbing/mongo.py: every write goes out with the majority write
concern, every read with the majority read concern, and the store answers them.

The embedded nx-27017 accepts all of them and honours one: ``j: true`` makes its SQLite
commits synchronous (FULL) in that database; ``w: majority`` and ``wtimeout`` mean nothing on
one node, and the read concern is not looked at. It presents itself as a standalone, so pymongo
never sends a retryable write (no ``txnNumber``): retries after a failover can only be seen on
a real replica set (docs/mongodb.md, "Test it on a real cluster"). With MONGO_URI pointing at a
replica set this test checks that they are sent."""
import functools
import uuid
from pathlib import Path

import pytest
from pymongo import ASCENDING, IndexModel, MongoClient, ReadPreference, monitoring

import plumbing.mongo
from plumbing.config import database_name
from plumbing.mongo import BaseStore, Mongo, inserted

ROOT = Path(__file__).resolve().parents[2]
WRITES = {"insert", "update", "delete", "findAndModify"}
READS = {"find", "aggregate", "count", "distinct"}
MAJORITY = {"w": "majority", "wtimeout": 5000, "j": True}


def manifest_options():
    """The options every process appends to the operator's connection string."""
    lines = (ROOT / "deploy/k8s/base/config.env").read_text().splitlines()
    (value,) = [line.split("=", 1)[1] for line in lines if line.startswith("MONGO_OPTIONS=")]
    return value


class Commands(monitoring.CommandListener):
    """The commands the client sent and the ones the store refused."""

    def __init__(self):
        self.sent, self.refused = [], []

    def started(self, event):
        self.sent.append((event.command_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        self.refused.append((event.command_name, event.failure))


class ProbeStore(BaseStore):
    INDEXES = {"probes": [IndexModel([("code", ASCENDING)], unique=True)]}


class Container:
    """What the provider needs of a nameko container for a store without outbox or derived
    data."""

    def __init__(self, service_name):
        self.service_name = service_name
        self.config = {}


@pytest.fixture
def provider(mongo_uri, monkeypatch):
    """plumbing.mongo.Mongo started with MONGO_URI = the store's address + the manifests'
    options, its client recording its commands."""
    monkeypatch.setenv("MONGO_URI", mongo_uri)
    monkeypatch.setenv("MONGO_OPTIONS", manifest_options())   # composed by plumbing.config
    monkeypatch.setenv("MONGO_DB_PREFIX", f"opts{uuid.uuid4().hex[:8]}_")
    commands = Commands()
    monkeypatch.setattr(plumbing.mongo, "MongoClient",
                        functools.partial(MongoClient, event_listeners=[commands]))
    container = Container("probe")  # the provider holds it by a weak reference
    provider = Mongo(ProbeStore).bind(container, "store")
    provider.commands = commands
    provider.setup()
    provider.start()
    yield provider
    provider.stop()
    cleaner = MongoClient(mongo_uri)
    cleaner.drop_database(database_name("probe"))
    cleaner.close()


def test_the_store_takes_the_manifests_options_through_the_provider(provider):
    client = provider.client
    assert client.write_concern.document == MAJORITY
    assert client.read_concern.level == "majority"
    assert client.read_preference == ReadPreference.PRIMARY
    assert client.options.retry_writes and client.options.retry_reads

    store = provider.get_dependency(None)
    probes = store.db["probes"]
    provider.commands.sent.clear()
    probes.insert_one({"_id": "p1", "code": "A", "n": 0})
    # insert_many (unordered) refusing a taken unique key, as every batched write meets it
    assert inserted(probes, [{"_id": "p2", "code": "B"}, {"_id": "p3", "code": "A"}]) == [0]
    saved = store.update_where("probes", probes.find_one({"_id": "p1"}), {"n": 0}, {"n": 1})
    assert saved["n"] == 1
    assert store.update_where("probes", saved, {"n": 0}, {"n": 2}) is None  # lost the race
    probes.update_one({"_id": "p2"}, {"$set": {"seen": True}})
    probes.delete_one({"_id": "p2"})

    assert probes.find_one({"_id": "p1"})["n"] == 1
    assert probes.count_documents({}) == 1
    assert [d["_id"] for d in probes.aggregate([{"$match": {"code": "A"}}])] == ["p1"]

    sent = provider.commands.sent
    writes = [command for name, command in sent if name in WRITES]
    reads = [command for name, command in sent if name in READS]
    assert len(writes) >= 5 and len(reads) >= 4
    assert all(command["writeConcern"] == MAJORITY for command in writes)
    assert all(command["readConcern"] == {"level": "majority"} for command in reads)
    assert provider.commands.refused == []
    if client.topology_description.topology_type_name == "Single":
        # the embedded store (a standalone): no retryable writes to send
        assert not any("txnNumber" in command for command in writes)
    else:
        # a replica set: every single-document write carries its transaction number, the
        # server's key for recognising the driver's one retry
        assert all("txnNumber" in command for command in writes)
