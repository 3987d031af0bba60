"""The whole system as processes (devtools/stack.py), on a private RabbitMQ node of its own
(devtools/rabbit_cluster.py) so that the broker can be taken away without touching the shared
one, in databases of its own, with short fault-handling periods."""
import pytest

from devtools import broker_definitions, rabbit_cluster
from devtools.stack import PROCESSES, Stack
from tests.conftest import RUN_ID, free_port
from tests.e2e.conftest import Client, Merchants

FAULT_ENV = {
    "RPC_TIMEOUT_SECONDS": "3",
    "COUPON_RECONCILE_SECONDS": "0.5",
    "COUPON_RECONCILE_GRACE_SECONDS": "4",
    "SHUTDOWN_TIMEOUT_SECONDS": "5",
    "AMQP_HEARTBEAT_SECONDS": "10",
    # a request or event handler killed half-way is taken over after seconds, not half a minute
    "IDEMPOTENCY_LEASE_SECONDS": "5",
    "CONSUMER_LEASE_SECONDS": "5",
    "DERIVED_SWEEP_SECONDS": "1",
    "OUTBOX_ORPHAN_SECONDS": "2",
    "DERIVED_SETTLE_GRACE_SECONDS": "5",
    "COMPLAINT_FILING_LEASE_SECONDS": "5",
    # no deadline reminders, escalations or merchant warnings in the middle of the counts
    "COMPLAINT_RESPONSE_SLA_SECONDS": "86400",
    "COMPLAINT_REMIND_BEFORE_SECONDS": "3600",
    "MERCHANT_COMPLAINT_THRESHOLD": "1000",
    # a store page kept for longer than a run: only events drop it
    "STORE_PAGE_CACHE_SECONDS": "600",
    # clients here retry through outages far faster than any person would
    "RATE_LIMIT_CLAIMS_PER_CONSUMER": "off",
    "RATE_LIMIT_COMPLAINTS_PER_CONSUMER": "off",
}


@pytest.fixture(scope="package")
def rabbit():
    if not rabbit_cluster.available():
        pytest.skip("rabbitmq-server is not installed: no private node for broker outages")
    node = rabbit_cluster.RabbitNode(f"fangxin-faults-{RUN_ID}", free_port(), free_port())
    node.start()
    broker_definitions.apply("/", node)
    yield node
    node.stop()


@pytest.fixture(scope="package")
def fault_stack(system_env, rabbit, tmp_path_factory):
    env = {**system_env, **FAULT_ENV, "AMQP_URI": rabbit.uri,
           "MONGO_DB_PREFIX": f"f{RUN_ID}_"}
    system = Stack(tmp_path_factory.mktemp("fault-stack"), env=env,
                   ports={name: free_port() for name in PROCESSES})
    system.start()
    try:
        assert system.wait_ready(60), f"not ready; logs in {system.logs_dir}"
        yield system
    finally:
        system.stop_all(timeout=10)


@pytest.fixture(scope="package")
def fault_client(fault_stack):
    return Client(fault_stack.gateway_url)


@pytest.fixture(scope="package")
def fault_merchants(fault_client):
    return Merchants(fault_client)
