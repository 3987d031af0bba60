"""Settings of the coupons service."""
from dataclasses import dataclass, field

from plumbing.config import env_float, env_int, per_process
from services.coupons.cash_out import Thresholds


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
    cash_out_scan_seconds: float = 300
    cash_out: Thresholds = field(default_factory=Thresholds)


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
        cash_out_scan_seconds=env_float("CASH_OUT_SCAN_SECONDS", 300),
        cash_out=Thresholds(
            min_redemptions=env_int("CASH_OUT_MIN_REDEMPTIONS", 10),
            cluster_margin=env_float("CASH_OUT_CLUSTER_MARGIN", 0.05),
            cluster_share=env_float("CASH_OUT_CLUSTER_SHARE", 0.6),
            repeat_times=env_int("CASH_OUT_REPEAT_TIMES", 3),
            repeat_share=env_float("CASH_OUT_REPEAT_SHARE", 0.3),
            quick_seconds=env_float("CASH_OUT_QUICK_SECONDS", 300),
            quick_share=env_float("CASH_OUT_QUICK_SHARE", 0.5),
            share_factor=env_float("CASH_OUT_SHARE_FACTOR", 5.0),
            signals_to_hold=env_int("CASH_OUT_SIGNALS_TO_HOLD", 2)),
    )
