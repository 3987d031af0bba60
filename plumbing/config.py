"""Configuration from environment variables, with defaults (DESIGN.md rule 5).

Every variable read anywhere in the project goes through these readers, so the configuration
table (docs/configuration.md) can be checked against one place.
"""
import os

from nameko.extensions import DependencyProvider

SERVICE_PORTS = {
    "gateway": 8000,
    "registry": 8101,
    "complaints": 8102,
    "coupons": 8103,
    "notifications": 8104,
}


class ConfigError(ValueError):
    pass


def env_str(name, default):
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_parsed(name, default, parse, what):
    raw = env_str(name, None)
    if raw is None:
        return default
    try:
        return parse(raw)
    except ValueError:
        raise ConfigError(f"{name} must be {what}, got {raw!r}") from None


def env_int(name, default):
    return _env_parsed(name, default, int, "an integer")


def env_float(name, default):
    return _env_parsed(name, default, float, "a number")


def env_bool(name, default):
    raw = env_str(name, None)
    if raw is None:
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def amqp_uri():
    return env_str("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def mongo_uri():
    return env_str("MONGO_URI", "mongodb://127.0.0.1:27117/")


def database_name(service_name):
    """Each service owns its own database (DESIGN.md rule 1)."""
    return env_str("MONGO_DB_PREFIX", "fangxin_") + service_name


# concurrent workers per process (and its AMQP prefetch). Workers mostly wait on the broker and
# the store, and concurrent claims share their round trips: the bench's claim rush ran at 0.76 of
# the one-RPC echo with 10 and at 1.02 with 32, the echo itself unchanged (docs/benchmarks.md)
DEFAULT_MAX_WORKERS = 32


def nameko_config(service_name):
    """The nameko container configuration of one process."""
    host = env_str("BIND_HOST", "127.0.0.1")
    port = env_int("HTTP_PORT", SERVICE_PORTS[service_name])
    return {
        "AMQP_URI": amqp_uri(),
        "WEB_SERVER_ADDRESS": f"{host}:{port}",
        "max_workers": env_int("MAX_WORKERS", DEFAULT_MAX_WORKERS),
        "PARENT_CALLS_TRACKED": 10,
        "HEARTBEAT": env_int("AMQP_HEARTBEAT_SECONDS", 30),
    }


class PerProcess(DependencyProvider):
    """Injects one object per container, made by ``factory()`` when the container is set up:
    a service's settings read from the environment, a memory its workers share."""

    def __init__(self, factory):
        self.factory = factory

    def setup(self):
        self.instance = self.factory()

    def get_dependency(self, worker_ctx):
        return self.instance
