"""A claim rush on the production topology: two replicas of every process (gateways behind
the balancer) on a private three-node RabbitMQ cluster, through a kill -9 of one broker node
(started again), a kill -9 of one coupons replica, a kill -9 of one gateway, and a rolling
restart of every replica one by one (SIGTERM, wait, start, as ``kubectl rollout restart``).
What must hold is what holds on one node (tests/faults/rush.py), and more: a client's
connection fails only when the gateway answering it was killed mid-request, never through the
rollout (each gateway is drained first, the next stopped only once the restarted one serves)
or the loss of a broker node or a coupons replica."""
import random
import time

import pytest

from devtools import balancer, rabbit_cluster
from devtools.processes import free_port
from devtools.stack import PROCESSES, Stack
from tests.conftest import RUN_ID
from tests.e2e.conftest import Client
from tests.faults.conftest import FAULT_ENV
from tests.faults.faults import restart
from tests.faults.rush import ClaimRush


@pytest.fixture(scope="module")
def cluster_stack(system_env, tmp_path_factory):
    if not (rabbit_cluster.available() and balancer.available()):
        pytest.skip("needs rabbitmq-server and HAProxy (make tools)")
    env = {**system_env, **FAULT_ENV, "MONGO_DB_PREFIX": f"c{RUN_ID}_", "REPLICAS": "2"}
    system = Stack(tmp_path_factory.mktemp("cluster-stack"), env=env, broker_nodes=3,
                   ports={name: free_port() for name in PROCESSES})
    try:
        system.start()
        assert system.wait_ready(120), f"not ready; logs in {system.logs_dir}"
        yield system
    finally:
        system.stop_all(timeout=10)


def roll(stack):
    """Every replica of every process stopped (SIGTERM, its work finished) and started again,
    one at a time, each healthy before the next."""
    def restart_all():
        for instance in list(stack.kinds):
            stack.stop(instance)
            restart(stack, instance)()
    return restart_all


@pytest.mark.chaos
@pytest.mark.timeout(600)
def test_a_claim_rush_on_the_cluster_through_node_replica_and_gateway_kills_and_a_rollout(
        cluster_stack):
    stack, rush = cluster_stack, ClaimRush(Client(cluster_stack.gateway_url))
    node = stack.broker.nodes[0]  # the first of every process's failover list

    def faults(outages):
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("broker node", node.kill, node.start, stack, 3)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("coupons replica", lambda: stack.kill("coupons-1"),
                       restart(stack, "coupons-1"), stack, 1)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("gateway replica", lambda: stack.kill("gateway-1"),
                       restart(stack, "gateway-1"), stack, 1)
        outages.during("rollout", roll(stack), lambda: None, stack, 0)

    rush.run(faults)
    assert [part for part, _, _ in rush.outages.windows] == [
        "broker node", "coupons replica", "gateway replica", "rollout"]
    assert stack.broker.running_nodes() == "3"
    rush.check(refusal_allowed=lambda down: "gateway replica" in down)
