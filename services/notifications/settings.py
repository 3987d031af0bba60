"""Settings of the notifications service."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int, env_str, per_process
from services.notifications.providers import configured_providers
from services.notifications.sign_in import SignInRules


@dataclass(frozen=True)
class NotificationSettings:
    providers: tuple  # ((channel, ((provider name, url), ...)), ...): providers.py
    send_timeout_seconds: float
    max_attempts: int
    retry_base_seconds: float
    retry_cap_seconds: float
    warnings_per_day: int
    warning_batch_size: int
    sign_in: SignInRules
    retry_scan_seconds: float = 5


@per_process
def load_settings():
    return NotificationSettings(
        providers=configured_providers(),
        send_timeout_seconds=env_float("NOTIFY_SEND_TIMEOUT_SECONDS", 5),
        max_attempts=env_int("NOTIFY_MAX_ATTEMPTS", 5),
        retry_base_seconds=env_float("NOTIFY_RETRY_BASE_SECONDS", 30),
        retry_cap_seconds=env_float("NOTIFY_RETRY_CAP_SECONDS", 3600),
        warnings_per_day=env_int("WARNINGS_PER_CONSUMER_PER_DAY", 3),
        warning_batch_size=env_int("WARNING_BATCH_SIZE", 500),
        retry_scan_seconds=env_float("NOTIFY_RETRY_SCAN_SECONDS", 5),
        sign_in=SignInRules(
            secret=env_str("SIGN_IN_SECRET", None),
            code_seconds=env_int("SIGN_IN_CODE_SECONDS", 300),
            tries=env_int("SIGN_IN_CODE_TRIES", 5),
            sends_per_hour=env_int("SIGN_IN_CODES_PER_PHONE_PER_HOUR", 5)),
    )
