"""A claim as the coupons service batches it (no I/O)."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ClaimRequest:
    campaign_id: str
    consumer: str
    body: dict
    key: str | None  # the Idempotency-Key
    request_id: str | None  # carried to the coupon's events: the batch runs in another worker

    @property
    def scope(self):
        return f"claim:{self.consumer}"

    @property
    def idempotent(self):
        """(scope, key, body) as ``IdempotentRequests`` knows a request."""
        return self.scope, self.key, {"campaign_id": self.campaign_id, **self.body}
