"""Durations and thresholds of the complaints service (API.md names where it gives them)."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int, per_process

DAY = 24 * 3600


@dataclass(frozen=True)
class ComplaintSettings:
    response_sla_seconds: float
    mediation_sla_seconds: float
    remind_before_seconds: float
    duplicate_window_seconds: float
    claimant_window_seconds: float
    claimant_merchant_threshold: int
    merchant_threshold: int
    merchant_threshold_window_seconds: float
    hotspot_window_seconds: float
    hotspot_min_count: int
    hotspot_min_growth: float
    filing_lease_seconds: float = 30
    sla_scan_seconds: float = 60
    hotspot_scan_seconds: float = 300


@per_process
def load_settings():
    return ComplaintSettings(
        response_sla_seconds=env_float("COMPLAINT_RESPONSE_SLA_SECONDS", 2 * DAY),
        mediation_sla_seconds=env_float("COMPLAINT_MEDIATION_SLA_SECONDS", 7 * DAY),
        remind_before_seconds=env_float("COMPLAINT_REMIND_BEFORE_SECONDS", 6 * 3600),
        duplicate_window_seconds=env_float("DUPLICATE_COMPLAINT_WINDOW_SECONDS", DAY),
        filing_lease_seconds=env_float("COMPLAINT_FILING_LEASE_SECONDS", 30),
        claimant_window_seconds=env_float("CLAIMANT_WINDOW_SECONDS", 30 * DAY),
        claimant_merchant_threshold=env_int("CLAIMANT_MERCHANT_THRESHOLD", 5),
        merchant_threshold=env_int("MERCHANT_COMPLAINT_THRESHOLD", 5),
        merchant_threshold_window_seconds=env_float("MERCHANT_COMPLAINT_WINDOW_SECONDS",
                                                    30 * DAY),
        hotspot_window_seconds=env_float("HOTSPOT_WINDOW_SECONDS", 7 * DAY),
        hotspot_min_count=env_int("HOTSPOT_MIN_COUNT", 5),
        hotspot_min_growth=env_float("HOTSPOT_MIN_GROWTH", 0.5),
        sla_scan_seconds=env_float("COMPLAINT_SLA_SCAN_SECONDS", 60),
        hotspot_scan_seconds=env_float("HOTSPOT_SCAN_SECONDS", 300),
    )
