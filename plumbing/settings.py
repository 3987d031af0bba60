"""The plumbing's settings: one object per process, read from the environment once
(``plumbing.config.per_process``), like each service's own settings module."""
from dataclasses import dataclass

from plumbing.config import env_bool, env_float, env_int, env_str, per_process
from plumbing.derived import SETTLE_GRACE_SECONDS


@dataclass(frozen=True)
class PlumbingSettings:
    log_level: str
    clock_offset_seconds: float  # a process's clock ahead (or behind) of the machine's
    rpc_timeout_seconds: float
    consumer_lease_seconds: float  # an event's claim, taken over once its worker is gone
    idempotency_lease_seconds: float  # a pending keyed request, taken over once it is this old
    shutdown_timeout_seconds: float
    retention_scan_seconds: float
    mongo_max_pool_size: int
    mongo_timeout_ms: int
    mongo_startup_timeout_seconds: float
    outbox_poll_seconds: float
    outbox_linger_seconds: float
    outbox_orphan_seconds: float
    hold_outbox: bool  # fault tests: the relay publishes nothing
    derived_sweep_seconds: float
    derived_settle_grace_seconds: float


@per_process
def plumbing_settings():
    return PlumbingSettings(
        log_level=env_str("LOG_LEVEL", "INFO").upper(),
        clock_offset_seconds=env_float("CLOCK_OFFSET_SECONDS", 0.0),
        rpc_timeout_seconds=env_float("RPC_TIMEOUT_SECONDS", 5.0),
        consumer_lease_seconds=env_float("CONSUMER_LEASE_SECONDS", 30),
        idempotency_lease_seconds=env_float("IDEMPOTENCY_LEASE_SECONDS", 30),
        shutdown_timeout_seconds=env_float("SHUTDOWN_TIMEOUT_SECONDS", 20),
        retention_scan_seconds=env_float("RETENTION_SCAN_SECONDS", 3600),
        mongo_max_pool_size=env_int("MONGO_MAX_POOL_SIZE", 50),
        mongo_timeout_ms=env_int("MONGO_TIMEOUT_MS", 5000),
        mongo_startup_timeout_seconds=env_float("MONGO_STARTUP_TIMEOUT_SECONDS", 60),
        outbox_poll_seconds=env_float("OUTBOX_POLL_SECONDS", 1.0),
        outbox_linger_seconds=env_float("OUTBOX_LINGER_SECONDS", 0.05),
        outbox_orphan_seconds=env_float("OUTBOX_ORPHAN_SECONDS", 5.0),
        hold_outbox=env_bool("FAULT_HOLD_OUTBOX", False),
        derived_sweep_seconds=env_float("DERIVED_SWEEP_SECONDS", 10.0),
        derived_settle_grace_seconds=env_float("DERIVED_SETTLE_GRACE_SECONDS",
                                               SETTLE_GRACE_SECONDS),
    )
