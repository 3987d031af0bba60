"""Log lines: expected errors (domain answers) are logged without their traceback, unexpected
ones keep it."""
import io
import json
import logging
import sys

import pytest

from plumbing.logs import configure_logging


@pytest.fixture
def log_lines(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("probe")
    yield lambda: [json.loads(line) for line in out.getvalue().splitlines()]
    root.handlers[:], level = saved
    root.setLevel(level)


def _log_error(message):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("nameko.containers").warning(message, exc_info=True)


def test_an_expected_error_is_one_line_without_its_traceback(log_lines):
    _log_error("(expected) error handling worker claim")
    _log_error("unexpected error handling worker")
    expected, unexpected = log_lines()
    assert expected["message"] == "(expected) error handling worker claim"
    assert "exc_info" not in expected
    assert "ValueError: boom" in unexpected["exc_info"]
