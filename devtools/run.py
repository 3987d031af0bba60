"""``make run``: the whole system on this machine, until Ctrl-C."""
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import signal
import sys
import time

from devtools import broker_definitions, demo
from devtools.broker import ensure_broker, vhost_of
from devtools.queues import convert_classic_queues
from devtools.stack import ROOT, Stack
from plumbing.config import amqp_uri


def main():
    if not ensure_broker():
        return 1
    convert_classic_queues()
    if not broker_definitions.apply(vhost_of(amqp_uri())):
        print("the broker's definitions (devtools/broker_definitions.py) were not applied: "
              "no rabbitmqctl here", file=sys.stderr)
    stack = Stack(ROOT / ".state", env={"DEV_AUTH": "1", "SIGN_IN_SECRET": "dev-only-sign-in-secret"})
    stopping = []
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, and `kill` from a supervisor
        signal.signal(signum, lambda *_: stopping.append(True))
    try:
        stack.start()
        print("starting the store, the services and the gateway ...", flush=True)
        if not stack.wait_ready(60):
            print(f"the system did not become ready; logs are in {stack.logs_dir}",
                  file=sys.stderr)
            return 1
        print_banner(stack, demo.load(stack.gateway_url))
        while not stopping:
            time.sleep(0.5)
    finally:
        print("\nstopping ...", flush=True)
        stack.stop_all()
    return 0


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
