"""Headers the gateway adds to every answer, in one place: its language, CORS, the browser
protections (``protect``), gzip for large text (``compress``), and on public pages the
validators that let browsers and proxies reuse what they have (ETag → 304).

Browser protections: every answer is ``X-Content-Type-Options: nosniff``; every HTML answer
also gets a Content-Security-Policy, ``Referrer-Policy`` and ``X-Frame-Options: DENY``. The
store pages' policy (``PAGE_POLICY``) allows no script at all and styles, images and icons
from the gateway only; forms post to the gateway only, and no other site may frame a page.
/docs (Swagger UI) has its own (``DOCS_POLICY``): its scripts from the gateway, plus the one
inline script of its page by hash (``DOCS_SCRIPT_HASH``; tests/unit/test_store_page_headers.py
checks it against the page), the images its stylesheet inlines (``data:``), and calls to the
gateway (/openapi.json, "Try it out"). tests/e2e/test_browser_csp.py loads both kinds of page
in Chromium and finds no violation in its console.
"""
import gzip
import hashlib

from cachetools import LRUCache

NOSNIFF = ("X-Content-Type-Options", "nosniff")
HTML_HEADERS = {"Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"}
_ALWAYS = "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
PAGE_POLICY = f"default-src 'none'; style-src 'self'; img-src 'self'; {_ALWAYS}"
# SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"}) in gateway/routes/system.py DOCS_PAGE
DOCS_SCRIPT_HASH = "'sha256-13RNZVxW4PqyApC3L0DvEr+2kYAyK0NE767HFGrU13A='"
DOCS_POLICY = (f"default-src 'none'; script-src 'self' {DOCS_SCRIPT_HASH}; "
               "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
               f"{_ALWAYS}")
POLICIES = {"/docs": DOCS_POLICY}  # by path; every other HTML answer gets PAGE_POLICY

# gzip: text of at least GZIP_MIN_BYTES (below it, the store pages among them, it saves a phone
# little and costs the hot paths CPU); bodies of at least GZIP_KEEP_BYTES (the /docs bundle,
# /openapi.json) are compressed once per process and kept, by a digest of the body.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/x-ndjson",
                "image/svg+xml")
GZIP_MIN_BYTES = 16 * 1024
GZIP_KEEP_BYTES = 256 * 1024
GZIP_LEVEL = 6
_compressed = LRUCache(maxsize=16)


def finish(request, response, settings, locale, public):
    response.headers["Content-Language"] = locale
    response.vary.add("Accept-Language")
    settings.cors.decorate(request.headers, response)
    protect(request.path, response)
    compress(request, response)  # before the ETag: each encoding has its own
    if public:
        revalidate(request, response, settings.public_cache_seconds)
    return response


def protect(path, response):
    """The browser protections of the answer to ``path``."""
    response.headers.setdefault(*NOSNIFF)
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = POLICIES.get(path, PAGE_POLICY)
        response.headers.update(HTML_HEADERS)


def compress(request, response):
    """A 200 of compressible text of at least GZIP_MIN_BYTES is gzip-encoded when the request
    accepts gzip, and says it varies by ``Accept-Encoding`` either way."""
    if (response.status_code != 200 or response.is_streamed
            or "Content-Encoding" in response.headers
            or not response.mimetype.startswith(COMPRESSIBLE)):
        return
    body = response.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return
    response.vary.add("Accept-Encoding")
    if request.accept_encodings.quality("gzip") <= 0:
        return
    response.set_data(gzipped(body))
    response.headers["Content-Encoding"] = "gzip"


def gzipped(body):
    """``body`` gzip-compressed, the same bytes every time (no timestamp), so that its ETag
    holds across requests and replicas."""
    if len(body) < GZIP_KEEP_BYTES:
        return gzip.compress(body, GZIP_LEVEL, mtime=0)
    digest = hashlib.sha256(body).digest()
    kept = _compressed.get(digest)
    if kept is None:
        kept = _compressed[digest] = gzip.compress(body, GZIP_LEVEL, mtime=0)
    return kept


def revalidate(request, response, max_age):
    """A successful GET gets ``Cache-Control: public, max-age`` (``max_age``, unless the route
    set its own) and an ETag that is a hash of the body, so it holds whatever cache produced the
    body; a matching ``If-None-Match`` turns the answer into an empty 304. An answer made for
    one browser (``no-store``: a form with its CSRF token) gets neither."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200 \
            or response.cache_control.no_store:
        return
    response.cache_control.public = True
    if response.cache_control.max_age is None:
        response.cache_control.max_age = max_age
    response.add_etag()
    response.make_conditional(request)
