"""JWT authentication of API.md: HS256 with JWT_SECRET or RS256 with JWT_PUBLIC_KEY; the
algorithm is pinned by which key is configured, never taken from the token."""
import time

import jwt

from contracts.identifiers import tags_problem
from plumbing.actors import LEVELS, ROLES, Actor
from plumbing.errors import DomainError, invalid

REGION_LENGTH = 6


SESSION_COOKIE = "fx_session"  # a browser's consumer token (the sign-in pages set it)


def unauthenticated(message):
    return DomainError("UNAUTHENTICATED", message, status=401)


class TokenVerifier:
    def __init__(self, settings):
        self.settings = settings
        if settings.jwt_public_key:
            self.key, self.algorithms = settings.jwt_public_key, ["RS256"]
        else:
            self.key, self.algorithms = settings.jwt_secret, ["HS256"]

    def verify(self, token):
        """The actor a bearer token stands for; 401 for anything short of a valid token."""
        try:
            claims = jwt.decode(
                token, self.key, algorithms=self.algorithms,
                audience=self.settings.jwt_audience, issuer=self.settings.jwt_issuer,
                leeway=self.settings.jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]})
        except jwt.ExpiredSignatureError:
            raise unauthenticated("the token has expired") from None
        except jwt.PyJWTError as exc:
            raise unauthenticated(f"invalid token: {exc}") from None
        return actor_from_claims(claims)


def actor_from_claims(claims):
    problems = claim_problems(claims)
    if problems:
        raise unauthenticated("invalid token claims: " + "; ".join(
            f"{claim}: {' '.join(messages)}" for claim, messages in problems.items()))
    return Actor.from_dict(claims)


def _is_id(value):
    return isinstance(value, str) and 0 < len(value) <= 64


def _is_region(value):
    return isinstance(value, str) and len(value) == REGION_LENGTH and value.isdigit()


# What a token must carry, beyond ``sub`` and ``role``, for each role: claim → (test, what it
# must be). The gateway's token check and the development-token route both read it, so a token
# the route mints is one the gateway accepts.
ROLE_CLAIMS = {
    "merchant": {"merchant_id": (_is_id, "a merchant token carries merchant_id (1-64 chars)")},
    "regulator": {
        "region": (_is_region, "a regulator token carries a 6-digit region"),
        "level": (lambda level: level in LEVELS,
                  f"a regulator token carries level, one of {', '.join(LEVELS)}"),
    },
}


def claim_problems(claims):
    """{claim: [what is wrong]} of a token's application claims; empty when they are good."""
    problems = {}
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        problems["sub"] = ["sub must be a non-empty string"]
    role = claims.get("role")
    if role not in ROLES:
        problems["role"] = [f"role must be one of {', '.join(ROLES)}"]
    for claim, (good, requirement) in ROLE_CLAIMS.get(role, {}).items():
        if not good(claims.get(claim)):
            problems[claim] = [requirement]
    if "tags" in claims and tags_problem(claims["tags"]):
        problems["tags"] = [tags_problem(claims["tags"])]
    return problems


def claims_for_a_token(claims):
    """``claims`` when a token carrying them passes the gateway's check, else 422 naming the
    claims that would fail it."""
    problems = claim_problems(claims)
    if problems:
        raise invalid(problems, "these claims would make a token the gateway refuses")
    return claims


def issue_token(settings, claims, ttl_seconds=None):
    """A signed token for ``claims`` (a consumer signed in; dev tokens, tests and the demo
    data), valid ``ttl_seconds`` (a dev token's by default)."""
    now = int(time.time())
    payload = {**{k: v for k, v in claims.items() if v is not None},
               "iss": settings.jwt_issuer, "aud": settings.jwt_audience,
               "iat": now, "exp": now + (ttl_seconds or settings.dev_token_ttl_seconds)}
    if settings.jwt_public_key:
        if not settings.jwt_private_key:
            raise DomainError("UNAVAILABLE", "no JWT_PRIVATE_KEY to sign tokens", 503)
        return jwt.encode(payload, settings.jwt_private_key, algorithm="RS256")
    return jwt.encode(payload, settings.jwt_secret, algorithm="HS256")


def bearer_token(authorization_header):
    scheme, _, token = (authorization_header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("send Authorization: Bearer <token>")
    return token.strip()
