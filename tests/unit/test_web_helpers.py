import json
import logging

import pytest
from werkzeug.wrappers import Response

from gateway.web import _request_id, error_response, parse_json, payload_too_large, to_response
from plumbing.errors import DomainError, ServiceUnavailable, invalid


def body_of(response):
    return json.loads(response.get_data(as_text=True))


# --- parse_json -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, parsed", [
    (b'{"name": "\xe6\x94\xbe\xe5\xbf\x83"}', {"name": "放心"}),
    (b'  {"a": [1, 2.5, null, true]}\n', {"a": [1, 2.5, None, True]}),
    (b"[]", []),
])
def test_valid_json_is_parsed(raw, parsed):
    assert parse_json(raw) == parsed


@pytest.mark.parametrize("raw", [
    b"",
    b"   \n\t",
    b"{",
    b"{'a': 1}",
    b'{"a": 1,}',
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'{"a": -Infinity}',
    b"NaN",
    b"[" * 100000,
    b'{"a":' * 100000,
    b'{"name": "\xff\xfe"}',
    b"\xc3\x28",
    b"1" * 5000,          # beyond Python's int-from-string digit limit
])
def test_malformed_bodies_are_400_bad_request(raw):
    with pytest.raises(DomainError) as caught:
        parse_json(raw)
    assert (caught.value.status, caught.value.code) == (400, "BAD_REQUEST")


@pytest.mark.parametrize("raw", [b'{"a": 1e999}', b'{"a": -1e999}'])
def test_out_of_range_numbers_are_400_bad_request(raw):
    with pytest.raises(DomainError):
        parse_json(raw)


# --- error_response ---------------------------------------------------------------------------

@pytest.mark.parametrize("error, status", [
    (DomainError("MERCHANT_NOT_FOUND", "no such merchant", status=404), 404),
    (DomainError("WRONG_STAGE", "not in this stage"), 409),
    (invalid({"name": ["Missing data for required field."]}), 422),
    (payload_too_large(65536), 413),
])
def test_domain_errors_keep_their_status_code_and_details(error, status):
    response = error_response(error)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert body_of(response) == {"error": {"code": error.code, "message": error.message,
                                           "details": error.details}}
    assert "Retry-After" not in response.headers


def test_unavailable_is_503_with_retry_after():
    response = error_response(ServiceUnavailable())
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert body_of(response)["error"]["code"] == "UNAVAILABLE"


def test_unexpected_exception_is_500_without_leaking_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="gateway.web"):
        response = error_response(KeyError("mongodb://admin:hunter2@db"))
    assert response.status_code == 500
    body = body_of(response)
    assert body == {"error": {"code": "INTERNAL_ERROR", "message": body["error"]["message"],
                              "details": {}}}
    assert "hunter2" not in response.get_data(as_text=True)
    assert any(record.levelno == logging.ERROR for record in caplog.records)


def test_error_messages_are_utf8_not_escaped():
    response = error_response(DomainError("X", "营业执照缺失", status=409))
    assert "营业执照缺失" in response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"


# --- to_response and request ids --------------------------------------------------------------

def test_dict_result_gets_the_route_status():
    response = to_response({"ok": True}, 201)
    assert (response.status_code, body_of(response)) == (201, {"ok": True})


def test_tuple_result_chooses_its_status():
    response = to_response((202, {"queued": 1}), 200)
    assert (response.status_code, body_of(response)) == (202, {"queued": 1})


def test_response_result_passes_through():
    original = Response("<p>hi</p>", content_type="text/html")
    assert to_response(original, 200) is original


class FakeRequest:
    def __init__(self, headers):
        self.headers = headers


@pytest.mark.parametrize("supplied", ["abc-123", "A.b_c-9", "x" * 128])
def test_well_formed_request_id_is_echoed(supplied):
    assert _request_id(FakeRequest({"X-Request-ID": supplied})) == supplied


@pytest.mark.parametrize("supplied", [None, "", "x" * 129, "has space", "new\nline",
                                      "<script>"])
def test_other_request_ids_are_replaced(supplied):
    headers = {} if supplied is None else {"X-Request-ID": supplied}
    generated = _request_id(FakeRequest(headers))
    assert generated != supplied
    assert len(generated) == 32 and int(generated, 16) >= 0
