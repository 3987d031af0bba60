"""Settings of the coupons service."""
from dataclasses import dataclass

from plumbing.config import env_float, env_int


@dataclass(frozen=True)
class CouponSettings:
    stock_shards: int
    rollback_seconds: float
    expiring_before_seconds: float


def load_settings():
    return CouponSettings(
        stock_shards=max(1, env_int("COUPON_STOCK_SHARDS", 1)),
        rollback_seconds=env_float("COUPON_ROLLBACK_SECONDS", 24 * 3600),
        expiring_before_seconds=env_float("COUPON_EXPIRING_BEFORE_SECONDS", 24 * 3600),
    )
