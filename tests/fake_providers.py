"""Stand-ins for the outside world of notifications, in a process of their own: an SMTP
server (aiosmtpd) and an HTTP provider for SMS and WeChat.

``python -m tests.fake_providers --smtp-port P --http-port Q --record FILE --scripts JSON``
writes one JSON line per message received to FILE; the HTTP provider records the path it
was posted to as the channel (``/sms`` → "sms", ``/sms2`` → "sms2"). ``--scripts`` maps a
recipient (phone or openid) to the HTTP statuses its first requests to each path get, e.g.
``{"13900000001": [503, 503]}``; ``"always"`` instead of a list fails every request with 503,
``"always:<status>"`` with that status. A key ``"<channel>:<recipient>"`` scripts that path
alone. Everyone else gets 200.
"""
import argparse
import json
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

_lock = threading.Lock()


def record(path, entry):
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry, ensure_ascii=False) + "\n")


class SmtpRecorder:
    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=default_policy)
        record(self.path, {"channel": "email", "to": envelope.rcpt_tos,
                           "subject": str(message["Subject"]),
                           "body": message.get_content().strip(), "status": 250})
        return "250 Message accepted for delivery"


def scripted_status(script, count):
    """The status of the ``count``-th request (from 1) under ``script``."""
    if isinstance(script, str) and script.startswith("always"):
        return int(script.partition(":")[2] or 503)
    return script[count - 1] if count <= len(script) else 200


def provider_handler(path, scripts):
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            recipient = payload.get("to") or payload.get("touser")
            channel = self.path.strip("/")
            with _lock:
                count = seen[channel, recipient] = seen.get((channel, recipient), 0) + 1
            script = scripts.get(f"{channel}:{recipient}", scripts.get(recipient, []))
            status = scripted_status(script, count)
            record(path, {"channel": channel, "to": recipient, "payload": payload,
                          "status": status})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}' if status == 200 else b'{"errcode": 1}')

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--record", required=True)
    parser.add_argument("--scripts", default="{}")
    args = parser.parse_args()
    smtp = Controller(SmtpRecorder(args.record), hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    server = ThreadingHTTPServer(("127.0.0.1", args.http_port),
                                 provider_handler(args.record, json.loads(args.scripts)))
    try:
        server.serve_forever()
    finally:
        smtp.stop()


if __name__ == "__main__":
    main()
