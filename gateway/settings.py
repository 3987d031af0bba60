"""The gateway's configuration, read once per process."""
from dataclasses import dataclass

from contracts.store_page_display import StoreLinks
from gateway.cors import CorsPolicy, parse_origins
from plumbing.config import ConfigError, env_bool, env_float, env_int, env_str, per_process

DEV_SECRET = "fangxin-dev-secret-not-for-production"


@dataclass(frozen=True)
class Settings:
    jwt_secret: str
    jwt_public_key: str
    jwt_private_key: str
    jwt_issuer: str
    jwt_audience: str
    jwt_leeway_seconds: int
    dev_auth: bool
    dev_token_ttl_seconds: int
    max_body_bytes: int
    ready_timeout_seconds: float
    public_base_url: str
    cors: CorsPolicy = CorsPolicy()
    store_links: StoreLinks = StoreLinks()  # where a store page's claim buttons lead
    public_cache_seconds: int = 10
    sign_in_token_ttl_seconds: int = 7 * 24 * 3600
    store_page_cache_seconds: float = 30.0
    store_page_cache_entries: int = 20_000
    scan_report_seconds: float = 2.0  # how often scans counted here go to the registry


@per_process
def load_settings():
    dev_auth = env_bool("DEV_AUTH", False)
    secret = env_str("JWT_SECRET", None)
    public_key = env_str("JWT_PUBLIC_KEY", None)
    if not secret and not public_key:
        if not dev_auth:
            raise ConfigError("set JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256)")
        secret = DEV_SECRET
    return Settings(
        jwt_secret=secret,
        jwt_public_key=public_key,
        jwt_private_key=env_str("JWT_PRIVATE_KEY", None),
        jwt_issuer=env_str("JWT_ISSUER", "fangxin"),
        jwt_audience=env_str("JWT_AUDIENCE", "fangxin-api"),
        jwt_leeway_seconds=env_int("JWT_LEEWAY_SECONDS", 30),
        dev_auth=dev_auth,
        dev_token_ttl_seconds=env_int("DEV_TOKEN_TTL_SECONDS", 12 * 3600),
        sign_in_token_ttl_seconds=env_int("SIGN_IN_TOKEN_SECONDS", 7 * 24 * 3600),
        max_body_bytes=env_int("MAX_BODY_BYTES", 64 * 1024),
        ready_timeout_seconds=env_float("READY_TIMEOUT_SECONDS", 2.0),
        public_base_url=env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        cors=load_cors(),
        store_links=StoreLinks.read_with(env_str),
        public_cache_seconds=env_int("PUBLIC_CACHE_SECONDS", 10),
        store_page_cache_seconds=env_float("STORE_PAGE_CACHE_SECONDS", 30.0),
        store_page_cache_entries=env_int("STORE_PAGE_CACHE_ENTRIES", 20_000),
        scan_report_seconds=env_float("STORE_SCAN_REPORT_SECONDS", 2.0),
    )


def load_cors():
    policy = CorsPolicy(origins=parse_origins(env_str("CORS_ORIGINS", "")),
                        allow_credentials=env_bool("CORS_ALLOW_CREDENTIALS", False),
                        max_age_seconds=env_int("CORS_MAX_AGE_SECONDS", 600))
    if policy.any_origin and policy.allow_credentials:
        raise ConfigError("CORS_ORIGINS=* cannot be combined with CORS_ALLOW_CREDENTIALS=1: "
                          "list the origins that may send credentials")
    return policy
