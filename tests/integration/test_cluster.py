"""A service on a three-node RabbitMQ cluster of its own (devtools/rabbit_cluster.py): its
quorum queues keep serving when the node it was connected to is killed with -9, it reconnects
to another node of the failover URI at once (its broadcast queue, transient, is declared anew
there, and the service is told it missed the events meanwhile), and the node comes back into
the cluster."""
import pytest
from nameko.containers import ServiceContainer
from nameko.events import BROADCAST
from nameko.standalone.rpc import ServiceRpcProxy

from devtools import rabbit_cluster
from devtools.waiting import poll
from plumbing.queues import after_missed_events, event_handler
from tests.conftest import RUN_ID, free_port
from tests.integration.test_rpc_expiry import ClerkService


@pytest.fixture(scope="module")
def cluster():
    if not rabbit_cluster.available():
        pytest.skip("rabbitmq-server is not installed: no private cluster")
    nodes = rabbit_cluster.RabbitCluster(f"fangxin-cluster-{RUN_ID}",
                                         lambda: (free_port(), free_port()))
    nodes.start()
    yield nodes
    nodes.stop()


class ListeningClerk(ClerkService):
    """The clerk with a broadcast handler and a cache it keeps, as the gateway and coupons
    have."""

    missed = []

    @event_handler("clerk", "memo", handler_type=BROADCAST, reliable_delivery=False)
    def hear(self, payload):
        pass

    @after_missed_events
    def forget_everything(self):
        self.missed.append("forgotten")


def answer(uri, mark):
    try:
        with ServiceRpcProxy("clerk", {"AMQP_URI": uri}) as clerk:
            return clerk.record(mark)
    except Exception:  # noqa: BLE001 - the node it reached is going away: try again
        return None


def test_rpc_survives_the_kill_of_the_node_its_queue_was_declared_on(cluster):
    assert cluster.running_nodes() == "3"
    ClerkService.recorded.clear()
    ListeningClerk.missed.clear()
    container = ServiceContainer(ListeningClerk, {"AMQP_URI": cluster.uri, "max_workers": 4})
    container.start()
    try:
        assert answer(cluster.uri, "before") == "before"
        assert ListeningClerk.missed == [], "nothing was missed at the start"
        first = cluster.nodes[0]  # the service and its queues' declaration went to the first
        first.kill()
        others = ";".join(node.uri for node in cluster.nodes[1:])
        # while the node is still down: the service consumes again from another one
        assert poll(lambda: answer(others, "after"), bool, seconds=20) == "after"
        assert "forgotten" in poll(lambda: ListeningClerk.missed, bool, seconds=20)
        first.start()
        assert poll(cluster.running_nodes, lambda n: n == "3", seconds=60)
        assert answer(first.uri, "back") == "back"
    finally:
        container.stop()
    assert ClerkService.recorded[0] == "before" and ClerkService.recorded[-1] == "back"
