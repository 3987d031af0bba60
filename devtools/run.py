"""``make run``: the whole system on this machine, until Ctrl-C."""
import signal
import sys
import time

from devtools import demo
from devtools.broker import ensure_broker
from devtools.stack import ROOT, Stack


def main():
    if not ensure_broker():
        return 1
    stack = Stack(ROOT / ".state", env={"DEV_AUTH": "1"})
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
        results = demo.load(stack.gateway_url)
        print_banner(stack, results)
        while not stopping:
            time.sleep(0.5)
    finally:
        print("\nstopping ...", flush=True)
        stack.stop_all()
    return 0


def print_banner(stack, results):
    url = stack.gateway_url
    lines = [
        "", "Fangxin is running.",
        f"  gateway      {url}   (/readyz /metrics /openapi.json /docs)",
    ]
    lines += [f"  {name:<12} {stack.url_of(name)}/metrics" for name in
              ("registry", "complaints", "coupons", "notifications")]
    lines += [f"  store        {stack.env['MONGO_URI']}", f"  logs         {stack.logs_dir}", "",
              "Demo merchants (status of their application):"]
    for merchant_id, status, token in results:
        lines.append(f"  {merchant_id}: HTTP {status}")
    lines += ["", "Try: the inbox of demo-m-1",
              f"  TOKEN={results[0][2]}",
              f"  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/me/notifications",
              "", "Ctrl-C stops everything."]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
