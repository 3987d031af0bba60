"""A claim rush and a stream of complaints on the production topology: two replicas of every
process (gateways behind the balancer) on a private three-node RabbitMQ cluster, through a
rolling restart of every replica (SIGTERM, wait, start, as ``kubectl rollout restart``), a kill
-9 of one coupons replica, a kill -9 of one gateway and a kill -9 of one broker node (started
again). What must hold is what holds on one node (tests/faults/rush.py,
tests/faults/complaints.py: SMS counted at a fake provider, the store pages of both gateways
kept from before the node's loss), and more: a client's connection fails only when the gateway
answering it was killed mid-request, never through the rollout (each gateway is drained first,
the next stopped only once the restarted one serves) or the loss of a broker node or a coupons
replica. ``make test`` runs the faults once; ``make chaos`` three rounds of them."""
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from devtools import balancer, rabbit_cluster
from devtools.processes import free_port
from devtools.stack import PROCESSES, Stack
from tests.conftest import RUN_ID
from tests.e2e.conftest import Client, Merchants, Providers
from tests.faults.complaints import ComplaintStream
from tests.faults.conftest import FAULT_ENV
from tests.faults.faults import restart
from tests.faults.rush import ClaimRush


@pytest.fixture(scope="module")
def cluster_stack(system_env, tmp_path_factory):
    if not (rabbit_cluster.available() and balancer.available()):
        pytest.skip("needs rabbitmq-server and HAProxy (make tools)")
    providers = Providers(tmp_path_factory.mktemp("cluster-providers"))
    env = {**system_env, **FAULT_ENV, **providers.env, "MONGO_DB_PREFIX": f"c{RUN_ID}_",
           "REPLICAS": "2"}
    system = Stack(tmp_path_factory.mktemp("cluster-stack"), env=env, broker_nodes=3,
                   ports={name: free_port() for name in PROCESSES})
    try:
        system.start()
        assert system.wait_ready(120), f"not ready; logs in {system.logs_dir}"
        # one Merchants per stack: every round's shops have credit codes of their own
        yield system, providers, Merchants(Client(system.gateway_url))
    finally:
        system.stop_all(timeout=10)
        providers.stop()


def roll(stack):
    """Every replica of every process stopped (SIGTERM, its work finished) and started again,
    as ``kubectl rollout restart`` rolls every Deployment at once: one replica of each process
    at a time, the next replica of a process stopped only once the restarted one serves."""
    def replaced(instance):
        stack.stop(instance)
        restart(stack, instance)()

    def restart_all():
        waves = zip(*(stack.instances_of(name) for name in PROCESSES))
        with ThreadPoolExecutor(max_workers=len(PROCESSES)) as pool:
            for wave in waves:
                for done in [pool.submit(replaced, instance) for instance in wave]:
                    done.result()
    return restart_all


def faults_of_a_round(stack, stream):
    """The rollout, a coupons replica and a gateway killed, then (with each gateway's store
    pages kept) a broker node killed: the first of every process's failover list."""
    node, gateways = stack.broker.nodes[0], [stack.url_of(g) for g in
                                             stack.instances_of("gateway")]

    def faults(outages):
        outages.during("rollout", roll(stack), lambda: None, stack, 0)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("coupons replica", lambda: stack.kill("coupons-1"),
                       restart(stack, "coupons-1"), stack, 1)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("gateway replica", lambda: stack.kill("gateway-1"),
                       restart(stack, "gateway-1"), stack, 1)
        stream.view_pages(gateways)
        time.sleep(random.uniform(0.5, 1.5))
        outages.during("broker node", node.kill, node.start, stack, 3)
    return faults


def run_rounds(cluster_stack, rounds):
    (stack, providers, merchants), client = cluster_stack, Client(cluster_stack[0].gateway_url)
    rush, stream = ClaimRush(client), ComplaintStream(client, merchants, providers)
    faults = faults_of_a_round(stack, stream)

    def every_round(outages):
        for _ in range(rounds):
            faults(outages)

    with stream.alongside():
        rush.run(every_round)
    assert [part for part, _, _ in rush.outages.windows] == [
        "rollout", "coupons replica", "gateway replica", "broker node"] * rounds
    assert stack.broker.running_nodes() == "3"
    rush.check(refusal_allowed=lambda down: "gateway replica" in down)
    outcomes = stream.check(rush.outages, refusal_allowed=lambda down: "gateway replica" in down,
                            gateway_urls=[stack.url_of(g) for g in stack.instances_of("gateway")])
    print(f"complaints: {len(stream.seen)} requests, outcomes {dict(outcomes)}")


@pytest.mark.timeout(420)
def test_a_claim_rush_and_complaints_on_the_cluster_through_a_rollout_and_kills(cluster_stack):
    run_rounds(cluster_stack, rounds=1)


@pytest.mark.chaos
@pytest.mark.timeout(1200)
def test_three_rounds_of_the_cluster_faults(cluster_stack):
    run_rounds(cluster_stack, rounds=3)
