"""Clients that keep going through faults, and a record of when each part was down."""
import random
import threading
import time

import requests

REFUSED, HUNG = "refused", "hung"
CLIENT_TIMEOUT = 10       # an answer slower than this is a hang
RETRYABLE = {503, REFUSED}
QUICK_503_SECONDS = 4     # RPC_TIMEOUT_SECONDS (3, tests/faults/conftest.py) and a second


def check_every_try(seen, outages, refusal_allowed):
    """What holds of every try a client made, ``(what, status, body, seconds, at)``: no hang, no
    5xx but 503, every 503 quick, a refused connection only while ``refusal_allowed(parts
    down at the moment)``."""
    hung = [s for s in seen if s[1] == HUNG]
    assert not hung, hung[:3]
    broken = [s for s in seen if isinstance(s[1], int) and s[1] >= 500 and s[1] != 503]
    assert not broken, broken[:3]
    slow = [s for s in seen if s[1] == 503 and s[3] > QUICK_503_SECONDS]
    assert not slow, slow[:3]
    stray = [(s, outages.parts_down_at(s[4])) for s in seen if s[1] == REFUSED
             and not refusal_allowed(outages.parts_down_at(s[4]))]
    assert not stray, stray[:3]


class Outages:
    """Windows of time during which a part was down, for reading the answers against."""

    def __init__(self):
        self.windows = []

    def during(self, part, take_down, bring_back, stack, down_seconds):
        started = time.monotonic()
        take_down()
        time.sleep(down_seconds)  # the outage itself, not a wait for an outcome
        bring_back()
        assert stack.wait_ready(90), f"not ready after {part} came back; see {stack.logs_dir}"
        self.windows.append((part, started, time.monotonic()))

    def parts_down_at(self, moment, margin=1.0):
        return [part for part, start, end in self.windows
                if start - margin <= moment <= end + margin]


def send(session, method, url, token=None, **kwargs):
    """(status or REFUSED or HUNG, body, seconds) of one request."""
    headers = kwargs.pop("headers", {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.monotonic()
    try:
        response = session.request(method, url, headers=headers, timeout=CLIENT_TIMEOUT,
                                   **kwargs)
    except requests.Timeout:
        return HUNG, None, time.monotonic() - started
    except requests.ConnectionError:
        return REFUSED, None, time.monotonic() - started
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return response.status_code, body, time.monotonic() - started


def error_code(body):
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def until_answered(attempt, record, deadline_seconds=90, retry_while=()):
    """Calls ``attempt()`` until it gives an answer that is not retryable, recording every
    try with ``record``; the last answer."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        status, body, seconds = attempt()
        record(status, body, seconds, time.monotonic())
        retry = status in RETRYABLE or (status, error_code(body)) in retry_while
        if not retry or time.monotonic() > deadline:
            return status, body
        time.sleep(0.2 + random.random() * 0.2)


def start_thread(target, *args):
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def restart(stack, name):
    def bring_back():
        stack.start_process(name)
        assert stack.wait_in_service(name, 60), f"{name} did not start"
    return bring_back
