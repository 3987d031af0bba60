"""The first import of every process that runs nameko (plumbing/runner.py, the tests, the
bench): eventlet's monkey-patching, which must precede anything that imports the standard
library's sockets or threads (nameko >= 2.13 no longer does it), with eventlet's deprecation
warning silenced; and ``install_nameko_patches``, the one place our changes to nameko's own
classes are made."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()


def install_nameko_patches():
    """What a service process changes in nameko before its container starts: a lost broker
    connection mid-work no longer kills the service (plumbing/broker_loss.py), and RPC answers
    go out without waiting for the broker's confirm (plumbing/rpc.py)."""
    from plumbing import broker_loss, rpc  # imported only once eventlet has patched

    broker_loss.install()
    rpc.answer_without_confirms()
