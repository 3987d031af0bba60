"""The queues the services declare, as the real broker holds them: every durable queue a
quorum queue (it survives the loss of a node), RPC reply queues classic (they die with their
caller)."""
import pytest

from devtools.broker import queue_types, vhost_of
from tests.integration.sample_services import LedgerService, ParcelService


def test_durable_queues_are_quorum_queues_and_reply_queues_classic(start_service, rpc,
                                                                   config):
    start_service(ParcelService)
    start_service(LedgerService)
    rpc("parcels").health()
    types = queue_types(vhost_of(config["AMQP_URI"]))
    if types is None:
        pytest.skip("rabbitmqctl cannot list the broker's queues here")
    assert types["rpc-parcels"] == types["rpc-ledger"] == "quorum"
    assert types["evt-parcels-parcel_sent--ledger.on_parcel_sent"] == "quorum"
    replies = [name for name in types if name.startswith("rpc.reply-")]
    assert replies and all(types[name] == "classic" for name in replies)
