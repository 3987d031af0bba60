"""The request id of the worker running now, for log lines and outgoing events.

nameko runs each worker in its own greenlet; once eventlet has monkey-patched ``threading``,
a ``threading.local`` is per greenlet.
"""
import os
import socket
import threading
import uuid

_current = threading.local()

REQUEST_ID_KEY = "request_id"


def new_request_id():
    return uuid.uuid4().hex


def new_instance_id():
    """An id of one piece of this process (a replica's store, its outbox writer): the host,
    the process, and a random part so that two in one process differ."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def current_request_id():
    return getattr(_current, "request_id", None)


def set_request_id(request_id):
    _current.request_id = request_id


def clear_request_id():
    _current.request_id = None
