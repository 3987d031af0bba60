"""The trust grade kept as events arrive: each event's evidence added to its merchant's trust
and the grade recomputed in one versioned write of the trust (grading.py decides; the formula
is trust_grade.py's); each redemption counted by an increment, folded in at the next regrade."""
import logging

from plumbing.clock import from_rfc3339
from plumbing.errors import DomainError
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
        added, at = evidence_of(data), from_rfc3339(envelope["occurred_at"])
        try:
            self.merchants.regrade(str(merchant_id), lambda m: grading.regraded(
                m, added, at, self.clock.now(), envelope["event_id"]))
        except DomainError as exc:
            if exc.status != 404:
                raise
            _unknown(merchant_id, envelope)

    def count_redemption(self, envelope, amount=1):
        """Counts a redemption (``amount`` -1: one rolled back) at its merchant."""
        merchant_id = str(envelope["data"].get("merchant_id"))
        counted = self.store.count_redemption(merchant_id, envelope["event_id"], amount)
        if not counted and self.store.get_merchant(merchant_id) is None:
            _unknown(merchant_id, envelope)


def _unknown(merchant_id, envelope):
    log.warning("evidence for an unknown merchant", extra={
        "merchant_id": str(merchant_id), "event_type": envelope["type"]})
