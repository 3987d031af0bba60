"""The browser protections and gzip of gateway/headers.py, without a server: every HTML answer's
Content-Security-Policy and companions, /docs's own policy, and large text gzip-encoded for the
clients that accept it."""
import base64
import gzip
import hashlib
import re
from types import SimpleNamespace

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from gateway import headers
from gateway.cors import CorsPolicy
from gateway.headers import (
    DOCS_POLICY,
    DOCS_SCRIPT_HASH,
    GZIP_MIN_BYTES,
    PAGE_POLICY,
    compress,
    finish,
    protect,
    revalidate,
)
from gateway.routes.system import DOCS_PAGE
from gateway.store_page_html import render_store_page
from tests.unit.test_store_page import page

HTML = "text/html; charset=utf-8"
BIG_SCRIPT = ("function f(a){return a+1}\n" * 2000).encode()  # 52 kB of repetitive text


def request(path="/", method="GET", **headers_):
    return Request(EnvironBuilder(path=path, method=method, headers=headers_).get_environ())


def directives(policy):
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";"))


def settings():
    return SimpleNamespace(cors=CorsPolicy(), public_cache_seconds=10)  # what finish reads


# --- browser protections ---------------------------------------------------------------------

def test_an_html_page_gets_a_policy_without_script_and_its_companions():
    response = Response(render_store_page(page()), content_type=HTML)
    protect("/s/abc", response)
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == "'none'" and "script-src" not in policy  # so: no script
    assert policy["style-src"] == "'self'" and policy["img-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["base-uri"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_other_answers_are_nosniff_only():
    response = Response("{}", content_type="application/json")
    protect("/api/v1/registry/standard", response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers
    assert "X-Frame-Options" not in response.headers


def test_docs_has_its_own_policy_allowing_its_one_inline_script_by_hash():
    response = Response(DOCS_PAGE, content_type=HTML)
    protect("/docs", response)
    assert response.headers["Content-Security-Policy"] == DOCS_POLICY
    policy = directives(DOCS_POLICY)
    assert policy["script-src"] == f"'self' {DOCS_SCRIPT_HASH}"
    assert policy["style-src"] == "'self'"
    assert "unsafe-inline" not in DOCS_POLICY and "unsafe-eval" not in DOCS_POLICY
    assert policy["frame-ancestors"] == "'none'"


def test_the_docs_script_hash_is_the_hash_of_the_docs_pages_inline_script():
    """The docs page (gateway/routes/system.py) changed its script: put this hash in
    gateway/headers.py DOCS_SCRIPT_HASH."""
    [script] = re.findall(r"<script>(.*?)</script>", DOCS_PAGE, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" == DOCS_SCRIPT_HASH


def test_the_store_pages_policy_is_what_finish_gives_them():
    response = Response(render_store_page(page()), content_type=HTML)
    finish(request("/s/abc"), response, settings(), "zh-CN", public=True)
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY


# --- gzip --------------------------------------------------------------------------------------

def script_response(body=BIG_SCRIPT):
    return Response(body, content_type="application/javascript")


def test_large_text_is_gzipped_for_a_client_that_accepts_it():
    response = script_response()
    compress(request(**{"Accept-Encoding": "gzip, deflate, br"}), response)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.vary
    body = response.get_data()
    assert len(body) < len(BIG_SCRIPT) / 10
    assert int(response.headers["Content-Length"]) == len(body)
    assert gzip.decompress(body) == BIG_SCRIPT


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br"])
def test_others_get_it_as_it_is_and_are_told_it_varies(accept):
    response = script_response()
    compress(request(**({"Accept-Encoding": accept} if accept else {})), response)
    assert "Content-Encoding" not in response.headers
    assert response.get_data() == BIG_SCRIPT
    assert "Accept-Encoding" in response.vary


def test_small_answers_images_errors_and_encoded_bodies_are_left_alone():
    accepts = request(**{"Accept-Encoding": "gzip"})
    small = script_response(b"x" * (GZIP_MIN_BYTES - 1))
    image = Response(b"\x89PNG" * 10000, content_type="image/png")
    missing = Response(BIG_SCRIPT, status=404, content_type="text/plain")
    encoded = script_response(gzip.compress(BIG_SCRIPT))
    encoded.headers["Content-Encoding"] = "gzip"
    for response in (small, image, missing, encoded):
        before = response.get_data()
        compress(accepts, response)
        assert response.get_data() == before
    assert "Accept-Encoding" not in small.vary and "Accept-Encoding" not in image.vary


def test_the_same_body_compresses_to_the_same_bytes_and_a_large_one_once(monkeypatch):
    assert headers.gzipped(BIG_SCRIPT) == headers.gzipped(BIG_SCRIPT)  # no timestamp inside
    large = BIG_SCRIPT * 6  # above GZIP_KEEP_BYTES
    calls = []
    real = gzip.compress
    monkeypatch.setattr(headers.gzip, "compress", lambda *a, **k: calls.append(1) or real(*a, **k))
    first, again = headers.gzipped(large), headers.gzipped(large)
    assert first == again and gzip.decompress(first) == large and len(calls) == 1


def test_each_encoding_has_its_own_etag_and_its_own_304():
    def answer(**headers_):
        response = script_response()
        finish(request(**headers_), response, settings(), "zh-CN", public=True)
        return response
    plain, zipped = answer(), answer(**{"Accept-Encoding": "gzip"})
    assert plain.headers["ETag"] != zipped.headers["ETag"]
    assert answer(**{"Accept-Encoding": "gzip"}).headers["ETag"] == zipped.headers["ETag"]
    again = answer(**{"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 304


# --- cache validators --------------------------------------------------------------------------

def test_a_routes_own_max_age_is_kept_and_a_no_store_answer_is_not_made_public():
    own = Response(b"body", content_type="text/css")
    own.cache_control.max_age = 86400
    revalidate(request(), own, 10)
    assert own.cache_control.max_age == 86400 and own.cache_control.public and "ETag" in own.headers
    private = Response(b"<form>", content_type=HTML)
    private.cache_control.no_store = True
    revalidate(request(), private, 10)
    assert not private.cache_control.public and "ETag" not in private.headers
