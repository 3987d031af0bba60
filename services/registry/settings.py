"""Settings of the registry service."""
from dataclasses import dataclass

from contracts.store_page_display import StoreLinks
from plumbing.config import env_float, env_int, env_str, per_process


@dataclass(frozen=True)
class RegistrySettings:
    licence_warning_days: int  # a unit with a licence expiring this soon is warned
    scan_seconds: float = 60
    re_evaluation_seconds: float = 365 * 86400  # a year: the re-evaluation's period
    store_links: StoreLinks = StoreLinks()  # where a store page's buttons lead


@per_process
def load_settings():
    return RegistrySettings(licence_warning_days=env_int("LICENCE_WARNING_DAYS", 30),
                            scan_seconds=env_float("REGISTRY_SCAN_SECONDS", 60),
                            re_evaluation_seconds=env_float("RE_EVALUATION_SECONDS",
                                                            365 * 86400),
                            store_links=StoreLinks.read_with(env_str))
