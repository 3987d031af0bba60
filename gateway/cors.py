"""CORS for browser frontends on other origins (``CORS_ORIGINS``).

Listed origins are echoed back with ``Vary: Origin``; ``*`` allows every origin and is never
combined with credentials (the settings refuse ``CORS_ORIGINS=*`` with
``CORS_ALLOW_CREDENTIALS=1``). Tokens travel in ``Authorization``, so frontends need no
credentials mode unless they send cookies. Preflights (``OPTIONS``) are answered by one
catch-all route; an origin that is not allowed gets 403 and no CORS headers.
"""
from dataclasses import dataclass

from werkzeug.wrappers import Response

ANY = "*"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = ("Accept-Language", "Authorization", "Content-Type", "Idempotency-Key",
                   "If-None-Match", "X-Request-ID")
EXPOSED_HEADERS = ("Content-Disposition", "Content-Language", "ETag", "Retry-After",
                   "X-Request-ID")


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple = ()
    allow_credentials: bool = False
    max_age_seconds: int = 600

    @property
    def any_origin(self):
        return ANY in self.origins

    def allows(self, origin):
        return bool(origin) and (self.any_origin or origin in self.origins)

    def _allow(self, origin, headers):
        if self.any_origin:
            headers["Access-Control-Allow-Origin"] = ANY
            return
        headers["Access-Control-Allow-Origin"] = origin
        if self.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"

    def decorate(self, request_headers, response):
        """CORS headers on an actual answer."""
        if not self.origins:
            return
        if not self.any_origin:
            response.vary.add("Origin")  # the answer differs by origin: caches must know
        origin = request_headers.get("Origin")
        if self.allows(origin):
            self._allow(origin, response.headers)
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)

    def preflight(self, request_headers):
        """The answer to an ``OPTIONS`` preflight: 204 with what may be sent, or None when this
        origin or method is not allowed."""
        origin = request_headers.get("Origin")
        method = request_headers.get("Access-Control-Request-Method", "")
        if not self.allows(origin) or method.upper() not in ALLOWED_METHODS:
            return None
        response = Response(status=204)
        self._allow(origin, response.headers)
        response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(self.max_age_seconds)
        if not self.any_origin:
            response.vary.add("Origin")
        response.vary.update(("Access-Control-Request-Method", "Access-Control-Request-Headers"))
        return response


def parse_origins(text):
    """``CORS_ORIGINS``: comma-separated origins (``https://app.example.cn``) or ``*``."""
    return tuple(origin.strip().rstrip("/") for origin in (text or "").split(",")
                 if origin.strip())
