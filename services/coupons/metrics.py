"""The coupons service's business figures."""
from prometheus_client import Counter, Gauge

CLAIMS = Counter("fangxin_coupon_claims_total", "Claims by outcome (issued, or the error code)",
                 ["outcome"])
REDEMPTIONS = Counter("fangxin_coupon_redemptions_total",
                      "Redemptions by outcome (redeemed, rolled_back, or the error code)",
                      ["outcome"])
STOCK_REMAINING = Gauge("fangxin_coupon_stock_remaining", "Stock left per active campaign",
                        ["campaign_id"])
UNITS_RETURNED = Counter("fangxin_coupon_units_returned_total",
                         "Units of stock returned by the reconciler after a claim died between "
                         "taking and recording them")
