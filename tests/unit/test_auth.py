import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.auth import TokenVerifier, bearer_token, issue_token
from gateway.settings import Settings
from plumbing.actors import Actor
from plumbing.errors import DomainError

SECRET = "unit-test-secret-of-at-least-32-bytes!!"
LEEWAY = 30


def settings(**overrides):
    values = dict(jwt_secret=SECRET, jwt_public_key=None, jwt_private_key=None,
                  jwt_issuer="fangxin", jwt_audience="fangxin-api", jwt_leeway_seconds=LEEWAY,
                  dev_auth=False, dev_token_ttl_seconds=3600, max_body_bytes=65536,
                  ready_timeout_seconds=2.0,
                  public_base_url="http://127.0.0.1:8000")
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def rsa_keys():
    """(private PEM, public PEM) of a fresh 2048-bit key pair."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture(scope="module")
def rs256_settings(rsa_keys):
    private, public = rsa_keys
    return settings(jwt_secret=None, jwt_public_key=public, jwt_private_key=private)


def claims(**overrides):
    base = {"sub": "user-1", "role": "consumer", "iss": "fangxin", "aud": "fangxin-api",
            "exp": int(time.time()) + 600}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def hs256(payload, key=SECRET):
    return jwt.encode(payload, key, algorithm="HS256")


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(header, payload, key):
    """A token signed with HMAC-SHA256 by hand (PyJWT refuses PEM keys as HMAC secrets)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def rejection(verifier, token):
    with pytest.raises(DomainError) as caught:
        verifier.verify(token)
    assert (caught.value.status, caught.value.code) == (401, "UNAUTHENTICATED")
    return caught.value


# --- HS256 ------------------------------------------------------------------------------------

def test_valid_hs256_token_gives_the_actor():
    token = hs256(claims(role="merchant", merchant_id="m-1", sub="u-9"))
    assert TokenVerifier(settings()).verify(token) == Actor(sub="u-9", role="merchant",
                                                            merchant_id="m-1")


def test_alg_none_token_is_rejected():
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    token = f"{header}.{b64(json.dumps(claims()).encode())}."
    rejection(TokenVerifier(settings()), token)


def test_token_signed_with_another_secret_is_rejected():
    rejection(TokenVerifier(settings()), hs256(claims(), key="another-secret-of-32-bytes-or-more"))


def test_tampered_payload_is_rejected():
    header, _, signature = hs256(claims()).split(".")
    forged = b64(json.dumps(claims(role="operator")).encode())
    rejection(TokenVerifier(settings()), f"{header}.{forged}.{signature}")


def test_token_expired_beyond_the_leeway_is_rejected_as_expired():
    token = hs256(claims(exp=int(time.time()) - LEEWAY - 60))
    assert "expired" in rejection(TokenVerifier(settings()), token).message


def test_token_expired_within_the_leeway_is_accepted():
    token = hs256(claims(exp=int(time.time()) - LEEWAY // 2))
    assert TokenVerifier(settings()).verify(token).sub == "user-1"


@pytest.mark.parametrize("overrides", [
    {"iss": "someone-else"},
    {"aud": "another-api"},
    {"exp": None},
    {"iss": None},
    {"aud": None},
    {"sub": None},
    {"sub": 42},
    {"nbf": int(time.time()) + 3600},
])
def test_tokens_with_bad_registered_claims_are_rejected(overrides):
    rejection(TokenVerifier(settings()), hs256(claims(**overrides)))


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "a.b", "...."])
def test_malformed_tokens_are_rejected(token):
    rejection(TokenVerifier(settings()), token)


# --- RS256 ------------------------------------------------------------------------------------

def test_valid_rs256_token_gives_the_actor(rsa_keys, rs256_settings):
    token = jwt.encode(claims(role="operator"), rsa_keys[0], algorithm="RS256")
    assert TokenVerifier(rs256_settings).verify(token) == Actor(sub="user-1", role="operator")


def test_hand_signed_tokens_are_otherwise_well_formed():
    """Guards the attack test below: the same construction with the real secret passes."""
    token = hand_signed({"alg": "HS256", "typ": "JWT"}, claims(role="operator"), SECRET)
    assert TokenVerifier(settings()).verify(token).role == "operator"


def test_hs256_token_signed_with_the_public_key_is_rejected(rsa_keys, rs256_settings):
    """The algorithm-confusion attack: the public key is no secret."""
    token = hand_signed({"alg": "HS256", "typ": "JWT"}, claims(role="operator"), rsa_keys[1])
    rejection(TokenVerifier(rs256_settings), token)


def test_hs256_token_is_rejected_when_rs256_is_configured(rs256_settings):
    rejection(TokenVerifier(rs256_settings), hs256(claims()))


def test_rs256_token_of_another_key_is_rejected(rs256_settings):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rejection(TokenVerifier(rs256_settings), jwt.encode(claims(), other, algorithm="RS256"))


# --- application claims -----------------------------------------------------------------------

@pytest.mark.parametrize("overrides", [
    {"role": "admin"},
    {"role": None},
    {"sub": ""},
    {"role": "merchant"},
    {"role": "merchant", "merchant_id": ""},
    {"role": "merchant", "merchant_id": 17},
    {"role": "merchant", "merchant_id": "m" * 65},
    {"role": "regulator", "level": "city"},
    {"role": "regulator", "region": "3301", "level": "city"},
    {"role": "regulator", "region": "33010a", "level": "city"},
    {"role": "regulator", "region": 330100, "level": "city"},
    {"role": "regulator", "region": "330100"},
    {"role": "regulator", "region": "330100", "level": "emperor"},
])
def test_tokens_with_bad_role_claims_are_rejected(overrides):
    error = rejection(TokenVerifier(settings()), hs256(claims(**overrides)))
    assert "claims" in error.message


@pytest.mark.parametrize("overrides", [
    {"role": "regulator", "region": "330100", "level": "city"},
    {"role": "merchant", "merchant_id": "m" * 64},
    {"role": "system"},
])
def test_tokens_with_good_role_claims_are_accepted(overrides):
    actor = TokenVerifier(settings()).verify(hs256(claims(**overrides)))
    assert actor.role == overrides["role"]


# --- issue_token ------------------------------------------------------------------------------

REGULATOR = {"sub": "r-1", "role": "regulator", "region": "330100", "level": "city",
             "merchant_id": None}


def test_issued_hs256_token_verifies():
    config = settings()
    actor = TokenVerifier(config).verify(issue_token(config, REGULATOR))
    assert actor == Actor(sub="r-1", role="regulator", region="330100", level="city")


def test_issued_rs256_token_verifies(rs256_settings):
    token = issue_token(rs256_settings, REGULATOR)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    assert TokenVerifier(rs256_settings).verify(token).sub == "r-1"


def test_issued_token_lives_for_the_configured_ttl():
    payload = jwt.decode(issue_token(settings(), REGULATOR), options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] == 3600
    assert "merchant_id" not in payload


def test_issue_token_without_private_key_is_unavailable(rs256_settings):
    public_only = settings(jwt_secret=None, jwt_public_key=rs256_settings.jwt_public_key)
    with pytest.raises(DomainError) as caught:
        issue_token(public_only, REGULATOR)
    assert (caught.value.status, caught.value.code) == (503, "UNAVAILABLE")


# --- bearer_token -----------------------------------------------------------------------------

@pytest.mark.parametrize("header, token", [
    ("Bearer abc.def.ghi", "abc.def.ghi"),
    ("bearer abc", "abc"),
    ("BEARER abc", "abc"),
    ("Bearer   abc  ", "abc"),
])
def test_bearer_token_is_extracted(header, token):
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcg==",
                                    "Token abc", "abc.def.ghi", "Bearerabc"])
def test_missing_or_other_schemes_are_unauthenticated(header):
    with pytest.raises(DomainError) as caught:
        bearer_token(header)
    assert (caught.value.status, caught.value.code) == (401, "UNAUTHENTICATED")


# --- development tokens: the route mints only tokens the gateway accepts ----------------------

class _Gateway:
    """What the dev-token route reads of the gateway: its settings."""
    settings = settings(dev_auth=True)


def dev_token(body):
    from gateway.routes.system import SystemRoutes
    from gateway.web import ApiCall
    response = SystemRoutes.dev_token(_Gateway(), ApiCall(request_id="r-1", body=body))
    return json.loads(response.get_data())["token"]


DEV_TOKEN_BODIES = [
    {"role": "consumer", "sub": "c-1"},
    {"role": "merchant", "sub": "m-1-owner", "merchant_id": "m-1"},
    {"role": "merchant", "sub": "m-1-owner"},
    {"role": "regulator", "sub": "r-1", "region": "330100", "level": "city"},
    {"role": "regulator", "sub": "r-1", "region": "330100"},
    {"role": "regulator", "sub": "r-1", "level": "city"},
    {"role": "regulator", "sub": "r-1"},
    {"role": "operator", "sub": "o-1"},
    {"role": "system", "sub": "s-1"},
]


@pytest.mark.parametrize("body, missing", [
    ({"role": "merchant", "sub": "m-1-owner"}, {"merchant_id"}),
    ({"role": "regulator", "sub": "r-1", "level": "city"}, {"region"}),
    ({"role": "regulator", "sub": "r-1", "region": "330100"}, {"level"}),
    ({"role": "regulator", "sub": "r-1"}, {"region", "level"}),
])
def test_a_dev_token_without_its_role_s_claims_is_422_naming_them(body, missing):
    with pytest.raises(DomainError) as caught:
        dev_token(body)
    assert (caught.value.status, caught.value.code) == (422, "VALIDATION_ERROR")
    assert set(caught.value.details) == missing


@pytest.mark.parametrize("body", DEV_TOKEN_BODIES, ids=lambda body: "-".join(sorted(body)))
def test_the_dev_token_route_mints_exactly_the_tokens_the_gateway_accepts(body):
    """The route and the gateway's check agree on every body: minted means accepted, and a
    body refused is one whose token the gateway would refuse too."""
    verifier = TokenVerifier(_Gateway.settings)
    try:
        token = dev_token(body)
    except DomainError as refused:
        assert refused.status == 422
        rejection(verifier, issue_token(_Gateway.settings, body))
    else:
        assert verifier.verify(token).role == body["role"]
