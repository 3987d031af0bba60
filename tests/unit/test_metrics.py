import sys

import pytest
from werkzeug.wrappers import Response

from plumbing.errors import DomainError, ServiceUnavailable, forbidden, not_found
from plumbing.metrics import outcome_of


def exc_info_of(error):
    try:
        raise error
    except Exception:
        return sys.exc_info()


@pytest.mark.parametrize("result, error, outcome", [
    (None, None, "ok"),
    ({"items": []}, None, "ok"),
    (Response("", status=201), None, "ok"),
    (Response("", status=302), None, "ok"),
    (Response("", status=404), None, "rejected"),
    (Response("", status=422), None, "rejected"),
    (Response("", status=500), None, "error"),
    (Response("", status=503), None, "error"),
    (None, not_found(), "rejected"),
    (None, forbidden(), "rejected"),
    (None, DomainError("WRONG_STAGE", "x"), "rejected"),
    (None, DomainError("UNAUTHENTICATED", "x", status=401), "rejected"),
    (None, ServiceUnavailable(), "error"),
    (None, DomainError("BROKEN", "x", status=500), "error"),
    (None, KeyError("x"), "error"),
    (None, RuntimeError("x"), "error"),
])
def test_outcome_of(result, error, outcome):
    exc_info = exc_info_of(error) if error is not None else None
    assert outcome_of(result, exc_info) == outcome


def test_exception_with_a_non_numeric_status_is_an_error():
    class Odd(Exception):
        status = "404"

    assert outcome_of(None, exc_info_of(Odd())) == "error"
