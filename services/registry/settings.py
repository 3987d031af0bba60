"""Settings of the registry service."""
from dataclasses import dataclass

from plumbing.config import env_int


@dataclass(frozen=True)
class RegistrySettings:
    licence_warning_days: int  # a unit with a licence expiring this soon is warned


def load_settings():
    return RegistrySettings(licence_warning_days=env_int("LICENCE_WARNING_DAYS", 30))
