"""The NetworkPolicies of the rendered overlays, evaluated the way Kubernetes does (a pod no
policy of a direction selects is open in that direction; once one selects it, only what some
rule allows gets through; a connection needs the sender's egress and the receiver's ingress)
over the pods the namespace runs: the five processes (their rendered templates), the
operators' RabbitMQ and MongoDB pods (their labels), and a stranger pod."""
import pytest

from tests.deploy.conftest import OVERLAYS, by_kind
from tests.deploy.test_manifests import PROCESSES

RABBITMQ = {"app.kubernetes.io/name": "rabbitmq", "app.kubernetes.io/component": "rabbitmq"}
MONGODB = {"app": "mongodb-svc"}
INTERNET = "203.0.113.7"


class Pod:
    def __init__(self, namespace, labels, ports=None, ip="10.0.0.1"):
        self.namespace, self.labels, self.ports, self.ip = namespace, labels, ports or {}, ip


def selects(selector, labels):
    if selector is None:
        return True
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] in ("In", "NotIn", "Exists", "DoesNotExist")
        present = expression["key"] in labels
        value = labels.get(expression["key"])
        if not {"In": present and value in expression.get("values", []),
                "NotIn": not present or value not in expression.get("values", []),
                "Exists": present, "DoesNotExist": not present}[expression["operator"]]:
            return False
    return True


def peer_matches(peer, other, own_namespace):
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        assert block["cidr"] == "0.0.0.0/0" and "except" not in block   # all we use
        return other.namespace is None
    if other.namespace is None:
        return False
    if "namespaceSelector" in peer:
        namespace_ok = selects(peer["namespaceSelector"],
                               {"kubernetes.io/metadata.name": other.namespace})
    else:
        namespace_ok = other.namespace == own_namespace
    return namespace_ok and selects(peer.get("podSelector"), other.labels)


def port_matches(rule_ports, port, protocol, target):
    if not rule_ports:
        return True
    for rule in rule_ports:
        number = rule["port"]
        if isinstance(number, str):
            number = target.ports.get(number)
        if rule.get("protocol", "TCP") == protocol and number == port:
            return True
    return False


def allowed(policies, direction, pod, other, port, protocol, target):
    """Does pod's policy set let a connection to/from other on port through, direction
    'Ingress' (other -> pod) or 'Egress' (pod -> other)?"""
    if pod.namespace is None:
        return True   # outside the cluster: not ours to police
    relevant = [p for p in policies if p["metadata"]["namespace"] == pod.namespace
                and direction in p["spec"]["policyTypes"]
                and selects(p["spec"]["podSelector"], pod.labels)]
    if not relevant:
        return True
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in relevant:
        for rule in policy["spec"].get(key, []):
            peers = rule.get(peers_key)
            if (not peers or any(peer_matches(p, other, pod.namespace) for p in peers)) and \
                    port_matches(rule.get("ports"), port, protocol, target):
                return True
    return False


def connects(policies, source, target, port, protocol="TCP"):
    return (allowed(policies, "Egress", source, target, port, protocol, target)
            and allowed(policies, "Ingress", target, source, port, protocol, target))


@pytest.fixture(params=OVERLAYS)
def world(request, rendered):
    objects = rendered[request.param]
    namespace = objects[0]["metadata"]["namespace"]
    pods = {}
    for deployment in by_kind(objects, "Deployment"):
        template = deployment["spec"]["template"]
        ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"]
                 for p in c["ports"]}
        pods[deployment["metadata"]["name"]] = Pod(namespace, template["metadata"]["labels"],
                                                   ports)
    pods["rabbitmq"] = Pod(namespace, RABBITMQ, {"amqp": 5672, "prometheus": 15692})
    pods["mongodb"] = Pod(namespace, MONGODB, {"mongodb": 27017})
    pods["stranger"] = Pod(namespace, {"app": "debug-shell"})
    pods["ingress"] = Pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    pods["prometheus"] = Pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
    pods["keda"] = Pod("keda", {"app": "keda-operator"})
    pods["elsewhere"] = Pod("default", {"app.kubernetes.io/name": "prometheus"})
    pods["dns"] = Pod("kube-system", {"k8s-app": "kube-dns"})
    pods["internet"] = Pod(None, {}, ip=INTERNET)
    return request.param, by_kind(objects, "NetworkPolicy"), pods


def test_every_pod_of_the_namespace_is_closed_to_ingress_by_default(world):
    _, policies, pods = world
    (deny,) = [p for p in policies if p["metadata"]["name"] == "default-deny"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    for name in (*PROCESSES, "rabbitmq", "mongodb"):
        assert not connects(policies, pods["stranger"], pods[name], 8080)
    assert not connects(policies, pods["stranger"], pods["rabbitmq"], 5672)
    assert not connects(policies, pods["stranger"], pods["mongodb"], 27017)
    assert not connects(policies, pods["elsewhere"], pods["gateway"], 8080)


def test_the_processes_reach_the_broker_and_the_services_the_store(world):
    _, policies, pods = world
    for name in PROCESSES:
        assert connects(policies, pods[name], pods["rabbitmq"], 5672), name
        assert not connects(policies, pods[name], pods["rabbitmq"], 15672), name
        assert connects(policies, pods[name], pods["dns"], 53, "UDP"), name
        assert connects(policies, pods[name], pods["dns"], 53, "TCP"), name
        store = connects(policies, pods[name], pods["mongodb"], 27017)
        assert store == (name != "gateway"), name   # the gateway has no database


def test_no_process_calls_another_over_http(world):
    _, policies, pods = world
    for source in PROCESSES:
        for target in PROCESSES:
            assert not connects(policies, pods[source], pods[target], 8080), (source, target)


def test_only_notifications_leaves_the_cluster_and_only_to_its_providers_ports(world):
    _, policies, pods = world
    for name in PROCESSES:
        for port in (25, 465, 587, 443):
            assert connects(policies, pods[name], pods["internet"], port) == (
                name == "notifications"), (name, port)
        assert not connects(policies, pods[name], pods["internet"], 80), name
        assert not connects(policies, pods[name], pods["internet"], 27017), name


def test_the_ingress_controller_reaches_only_the_gateway(world):
    _, policies, pods = world
    assert connects(policies, pods["ingress"], pods["gateway"], 8080)
    for name in (*PROCESSES, "rabbitmq", "mongodb"):
        if name != "gateway":
            for port in (8080, 5672, 27017):
                assert not connects(policies, pods["ingress"], pods[name], port), name


def test_prometheus_scrapes_every_process_and_the_broker(world):
    _, policies, pods = world
    for name in PROCESSES:
        assert connects(policies, pods["prometheus"], pods[name], 8080), name
    assert connects(policies, pods["prometheus"], pods["rabbitmq"], 15692)
    assert not connects(policies, pods["prometheus"], pods["rabbitmq"], 5672)
    assert not connects(policies, pods["prometheus"], pods["mongodb"], 27017)


def test_the_broker_nodes_and_the_store_members_reach_each_other(world):
    _, policies, pods = world
    for port in (4369, 25672, 5672):
        assert connects(policies, pods["rabbitmq"], pods["rabbitmq"], port)
    assert connects(policies, pods["mongodb"], pods["mongodb"], 27017)
    assert not connects(policies, pods["rabbitmq"], pods["mongodb"], 27017)


def test_keda_reads_the_queue_depth_only_where_it_runs(world):
    overlay, policies, pods = world
    assert connects(policies, pods["keda"], pods["rabbitmq"], 5672) == (overlay == "prod")
    assert not connects(policies, pods["keda"], pods["mongodb"], 27017)
