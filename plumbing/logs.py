"""JSON log lines carrying the service name and the request id of the running worker."""
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from plumbing.context import current_request_id
from plumbing.settings import plumbing_settings


class _ExpectedErrorsWithoutTraceback(logging.Filter):
    """nameko logs every expected error (a domain answer such as a 409) with its traceback;
    the line is worth keeping, formatting the traceback costs more than the request."""

    def filter(self, record):
        if record.levelno == logging.WARNING and str(record.msg).startswith("(expected)"):
            record.exc_info = None
        return True


class _RequestContextFilter(logging.Filter):
    def __init__(self, service):
        super().__init__()
        self.service = service

    def filter(self, record):
        record.service = self.service
        record.request_id = current_request_id()
        return True


def configure_logging(service):
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_RequestContextFilter(service))
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{name}{message}{service}{request_id}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"}))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(plumbing_settings().log_level)
    # eventlet.wsgi logs every request at INFO through this logger; keep it for access logs
    logging.getLogger("nameko.web.server").setLevel(logging.INFO)
    logging.getLogger("nameko.containers").addFilter(_ExpectedErrorsWithoutTraceback())
