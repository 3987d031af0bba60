"""The whole system as processes (devtools/stack.py), on a private RabbitMQ node of its own
(tests/faults/rabbit_node.py) so that the broker can be taken away without touching the shared
one, in databases of its own, with short fault-handling periods."""
import pytest

from devtools.stack import PROCESSES, Stack
from tests.conftest import RUN_ID, free_port
from tests.e2e.conftest import Client
from tests.faults import rabbit_node

FAULT_ENV = {
    "RPC_TIMEOUT_SECONDS": "3",
    "COUPON_RECONCILE_SECONDS": "0.5",
    "COUPON_RECONCILE_GRACE_SECONDS": "4",
    "SHUTDOWN_TIMEOUT_SECONDS": "5",
    "AMQP_HEARTBEAT_SECONDS": "10",
    "IDEMPOTENCY_LEASE_SECONDS": "5",
}


@pytest.fixture(scope="session")
def rabbit():
    if not rabbit_node.available():
        pytest.skip("rabbitmq-server is not installed: no private node for broker outages")
    node = rabbit_node.RabbitNode(f"fangxin-faults-{RUN_ID}", free_port(), free_port())
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
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


@pytest.fixture(scope="session")
def fault_client(fault_stack):
    return Client(fault_stack.gateway_url)
