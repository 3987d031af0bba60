"""Configuration from environment variables, with defaults (DESIGN.md rule 5).

Every variable read anywhere in the project goes through these readers, so the configuration
table (docs/configuration.md) can be checked against one place. A process reads them once:
into its settings objects (``plumbing.settings`` and each service's ``settings.py``), each made
by a loader decorated with ``per_process``.
"""
import functools
import os
from urllib.parse import quote, urlsplit, urlunsplit

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


_PER_PROCESS: list = []


def per_process(load):
    """``load`` run once, on first use, and its settings object kept for the process."""
    kept = functools.cache(load)
    _PER_PROCESS.append(kept)
    return kept


def forget_settings():
    """Every settings object is read again on next use: for tests that change the
    environment of the process they run in."""
    for kept in _PER_PROCESS:
        kept.cache_clear()


def env_str(name, default):
    """NAME's value, or the content of the file NAME_FILE names (a Secret mounted as a volume,
    docs/configuration.md): one trailing newline is dropped. A NAME_FILE naming no file leaves
    NAME unset, as an absent key of a Secret passed with envFrom did; NAME and NAME_FILE both
    set is an error."""
    value = os.environ.get(name) or None
    path = os.environ.get(name + "_FILE") or None
    if path is not None:
        if value is not None:
            raise ConfigError(f"{name} and {name}_FILE are both set: set one")
        value = _read_secret_file(name, path)
    return default if value is None or value == "" else value


def _read_secret_file(name, path):
    try:
        with open(path, encoding="utf-8") as file:
            content = file.read()
    except FileNotFoundError:
        return None  # an optional key the mounted Secret does not hold
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    if content.endswith("\n"):
        content = content[:-1]
        if content.endswith("\r"):
            content = content[:-1]
    return content


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
    """AMQP_URI, with AMQP_USERNAME and AMQP_PASSWORD (when set: in Kubernetes they are files of
    the broker operator's Secret) put into each of its URIs; credentials in both places are an
    error."""
    uri = env_str("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    username = env_str("AMQP_USERNAME", None)
    password = env_str("AMQP_PASSWORD", None)
    if username is None and password is None:
        return uri
    if username is None or password is None:
        raise ConfigError("AMQP_USERNAME and AMQP_PASSWORD go together: set both or neither")
    userinfo = f"{quote(username, safe='')}:{quote(password, safe='')}@"
    composed = []
    for part in uri.split(";"):
        parts = urlsplit(part.strip())
        if "@" in parts.netloc:
            raise ConfigError("AMQP_URI has credentials and AMQP_USERNAME is set: set one")
        composed.append(urlunsplit(parts._replace(netloc=userinfo + parts.netloc)))
    return ";".join(composed)


def mongo_uri():
    """MONGO_URI, followed by the client options of MONGO_OPTIONS (query parameters, e.g.
    ``w=majority&journal=true``): the URI can come from a Secret as it is, the options from
    the configuration."""
    uri = env_str("MONGO_URI", "mongodb://127.0.0.1:27117/")
    options = env_str("MONGO_OPTIONS", "").lstrip("?&")
    if not options:
        return uri
    if "?" in uri:
        return uri + ("" if uri.endswith(("?", "&")) else "&") + options
    _, _, rest = uri.partition("://")
    return uri + ("?" if "/" in rest else "/?") + options


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
