"""The trust grade kept as events arrive: each event's evidence added to its merchant's trust
and the grade recomputed in one versioned write (grading.py decides; the formula is
trust_grade.py's)."""
import logging

from plumbing.clock import from_rfc3339
from services.registry import grading

log = logging.getLogger(__name__)


class Grades:
    def __init__(self, store, clock, merchants):
        """``merchants``: the Merchants over the same store."""
        self.store, self.clock, self.merchants = store, clock, merchants

    def record(self, envelope, evidence_of):
        """Adds ``evidence_of(data)`` of the event ``envelope`` to its merchant's trust, as of
        when the event occurred, and regrades the merchant (an unknown one is logged and
        left)."""
        data = envelope["data"]
        merchant_id = data.get("merchant_id")
        if not isinstance(merchant_id, str) or self.store.get_merchant(merchant_id) is None:
            log.warning("evidence for an unknown merchant", extra={
                "merchant_id": str(merchant_id), "event_type": envelope["type"]})
            return
        added, at = evidence_of(data), from_rfc3339(envelope["occurred_at"])
        now = self.clock.now()
        self.merchants.change(merchant_id, lambda m: grading.regraded(
            m, added, at, now, envelope["event_id"]))
