"""What the broker holds for Fangxin besides what the services declare, as RabbitMQ definitions
(the format of ``rabbitmqctl import_definitions`` and of the ``load_definitions`` setting).

- Events nobody's queue is bound for are not dropped: a policy gives every ``<service>.events``
  exchange the alternate exchange ``fangxin.unrouted`` (a policy, since a changed argument of an
  existing exchange is refused), whose quorum queue keeps the latest ``UNROUTED_KEPT`` of them.
- The poison queues exist before the first poison message, so operators can watch them.
- Every durable queue is declared as a quorum queue by the services themselves
  (``plumbing/queues.py``): RabbitMQ 3.10 has no default queue type to set here.

``make run`` and the test fixtures apply them to their vhost (``apply``); the manifests load
the same definitions from ``deploy/k8s/base/data/rabbitmq-definitions.json``, which ``python -m
devtools.broker_definitions`` writes and a test compares with this module.
"""
import json
import sys
from pathlib import Path

from devtools.broker import create_vhost, rabbitmqctl
from plumbing.consumers import POISON_QUEUE

UNROUTED = "fangxin.unrouted"
UNROUTED_KEPT = 100_000
SERVICES = ("registry", "complaints", "coupons", "notifications")
MANIFEST = Path(__file__).resolve().parent.parent / "deploy/k8s/base/data/rabbitmq-definitions.json"


def _queue(name, vhost, **arguments):
    return {"name": name, "vhost": vhost, "durable": True, "auto_delete": False,
            "arguments": {"x-queue-type": "quorum", **arguments}}


def definitions(vhost="/"):
    return {
        "policies": [{"vhost": vhost, "name": "fangxin-unrouted-events", "pattern": r"\.events$",
                      "apply-to": "exchanges", "priority": 0,
                      "definition": {"alternate-exchange": UNROUTED}}],
        "exchanges": [{"name": UNROUTED, "vhost": vhost, "type": "fanout", "durable": True,
                       "auto_delete": False, "internal": False, "arguments": {}}],
        "queues": [_queue(UNROUTED, vhost, **{"x-max-length": UNROUTED_KEPT}),
                   *(_queue(POISON_QUEUE.format(service=s), vhost) for s in SERVICES)],
        "bindings": [{"source": UNROUTED, "vhost": vhost, "destination": UNROUTED,
                      "destination_type": "queue", "routing_key": "", "arguments": {}}],
    }


def apply(vhost, node=None):
    """Starts importing the definitions into ``vhost`` of the local broker, or of ``node``
    (``devtools.rabbit_cluster.RabbitNode``); the broker finishes it a moment later. False
    when rabbitmqctl cannot."""
    text = json.dumps(definitions(vhost))
    if node is not None:
        node.ctl("import_definitions", "--format", "json", input=text)
        return True
    return rabbitmqctl("import_definitions", "--format", "json", input=text).returncode == 0


def fangxin_vhost(name):
    """A fresh vhost holding the definitions, made in one call (``create_vhost``): its name,
    or None when rabbitmqctl cannot make one."""
    return create_vhost(name, definitions=definitions(name))


def manifest_text():
    return json.dumps(definitions(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    MANIFEST.write_text(manifest_text())
    sys.exit(0)
