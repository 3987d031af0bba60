"""Settings of the coupons service."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int, per_process


@dataclass(frozen=True)
class CouponSettings:
    stock_shards: int
    rollback_seconds: float
    expiring_before_seconds: float
    scan_seconds: float = 30
    reconcile_seconds: float = 30
    reconcile_grace_seconds: float = 120  # a stock gap open this long is voided
    campaign_cache_seconds: float = 1.0
    ballot_scan_seconds: float = 10
    ballot_grace_seconds: float = 60  # after a ballot's window: no sign-up is still being written


@per_process
def load_settings():
    return CouponSettings(
        stock_shards=max(1, env_int("COUPON_STOCK_SHARDS", 1)),
        rollback_seconds=env_float("COUPON_ROLLBACK_SECONDS", 24 * 3600),
        expiring_before_seconds=env_float("COUPON_EXPIRING_BEFORE_SECONDS", 24 * 3600),
        scan_seconds=env_float("COUPON_SCAN_SECONDS", 30),
        reconcile_seconds=env_float("COUPON_RECONCILE_SECONDS", 30),
        reconcile_grace_seconds=env_float("COUPON_RECONCILE_GRACE_SECONDS", 120),
        campaign_cache_seconds=env_float("CAMPAIGN_CACHE_SECONDS", 1.0),
        ballot_scan_seconds=env_float("BALLOT_SCAN_SECONDS", 10),
        ballot_grace_seconds=env_float("BALLOT_GRACE_SECONDS", 60),
    )
