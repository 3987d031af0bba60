"""``make run``: the whole system on this machine, until Ctrl-C."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import os
import signal
import sys
import time

from devtools import broker_definitions, demo
from devtools.broker import ensure_broker, vhost_of
from devtools.processes import stop_with_parent
from devtools.queues import convert_classic_queues
from devtools.stack import ROOT, PortTaken, Stack
from plumbing.config import SERVICE_PORTS, amqp_uri, env_int, env_str

STORE_PORT = 27117
# Ctrl-C, `kill` from a supervisor, a closed terminal, and (stop_with_parent) make's death
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stop(BaseException):
    """A signal to stop, raised wherever the run is, so it stops at once, in order (not an
    Exception, as KeyboardInterrupt is not: no ``except Exception`` on its way swallows it)."""


def stop(signum, frame):
    ignore_stop_signals()
    raise Stop(signal.Signals(signum).name)


def ignore_stop_signals():
    """The stop itself is not cut short by a second signal (it is bounded: stop_all kills
    what does not stop in time)."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def the_stack():
    """The system ``make run`` starts: under ``RUN_STATE_DIR``, on the usual ports plus
    ``RUN_PORT_OFFSET``."""
    offset = env_int("RUN_PORT_OFFSET", 0)
    return Stack(ROOT / env_str("RUN_STATE_DIR", ".state"),
                 env={"DEV_AUTH": "1", "SIGN_IN_SECRET": "dev-only-sign-in-secret"},
                 ports={name: port + offset for name, port in SERVICE_PORTS.items()},
                 store_port=STORE_PORT + offset)


def main():
    for signum in STOP_SIGNALS:
        signal.signal(signum, stop)
    parent = os.getppid()
    stop_with_parent(parent)  # a killed make: nothing else would tell this process
    stack = the_stack()
    try:
        return run(stack, parent)
    except PortTaken as taken:
        print(taken, file=sys.stderr)
        return 2
    except Stop:
        return 0
    finally:
        ignore_stop_signals()
        if stack.processes:
            print("\nstopping ...", flush=True)
        stack.stop_all()


def run(stack, parent):
    stack.check_ports()  # at once, before the broker is touched (start checks them again)
    if not ensure_broker():
        return 1
    convert_classic_queues()
    if not broker_definitions.apply(vhost_of(amqp_uri())):
        print("the broker's definitions (devtools/broker_definitions.py) were not applied: "
              "no rabbitmqctl here", file=sys.stderr)
    print("starting the store, the services and the gateway ...", flush=True)
    stack.start()
    if not stack.wait_ready(60):
        print(f"the system did not become ready; logs are in {stack.logs_dir}",
              file=sys.stderr)
        return 1
    print_banner(stack, demo.load(stack.gateway_url))
    while not orphaned(parent):
        time.sleep(1)
    raise Stop("the parent is gone")


def orphaned(parent):
    """Whether the process that started this one has died: the kernel's signal for it
    (stop_with_parent) stops the run, and this stops it should that signal not come."""
    return os.getppid() != parent


def print_banner(stack, demo):
    url = stack.gateway_url
    lines = [
        "", "Fangxin is running.",
        f"  gateway      {url}   (/readyz /metrics /openapi.json /docs)",
    ]
    lines += [f"  {instance:<13} {stack.url_of(instance)}/metrics"
              for instance, kind in stack.kinds.items() if kind != "gateway"]
    lines += [f"  broker       {stack.env['AMQP_URI']}",
              f"  store        {stack.env['MONGO_URI']}", f"  logs         {stack.logs_dir}", ""]
    if demo.get("store_code"):
        lines += ["A certified demo shop (一店一码):",
                  f"  page         {url}/s/{demo['store_code']}",
                  f"  QR code      {url}/s/{demo['store_code']}/qr.png",
                  f"  JSON         {url}/api/v1/public/stores/{demo['store_code']}", ""]
    lines += ["The demo shop's inbox (demo-m-1):",
              f"  TOKEN={demo['merchant_token']}",
              f"  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/me/notifications",
              "", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
