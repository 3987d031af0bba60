"""The stock reconciler: units lost by a claim that died between taking a unit and recording it
come back (see ``services/coupons/units.py`` for why this is exact). It runs when the service
starts and every ``COUPON_RECONCILE_SECONDS``; a gap must stay open for
``COUPON_RECONCILE_GRACE_SECONDS`` (much longer than any claim) before it is voided."""
import logging
import time

from nameko.extensions import DependencyProvider

from services.coupons import metrics, units
from services.coupons.settings import load_settings

log = logging.getLogger(__name__)



class StockReconciler:
    def __init__(self, grace_seconds):
        self.watch = units.GapWatch(grace_seconds)

    def run(self, store, campaign_ids, now):
        """One pass over the stock of ``campaign_ids`` (those that take claims, or stopped
        recently): finds the gaps, voids those open long enough, returns voided units."""
        counters = {c["_id"]: c for c in store.counters_with_unaccounted_units(campaign_ids)}
        due = self.watch.due(self._open_gaps(store, counters), time.monotonic())
        # draw units before prize units: voiding the draw is what stops a slow claim
        for counter_id, seq in sorted(due, key=lambda gap: _is_prize(counters[gap[0]])):
            self._void(store, counters[counter_id], seq, now)
        for void in store.unreturned_voids():
            if not store.return_unit(void):
                continue  # another replica's reconciler gave it back
            metrics.UNITS_RETURNED.inc()
            log.warning("returned a unit of stock to its counter", extra={
                "unit_id": void["_id"], "campaign_id": void["campaign_id"],
                "as": void["status"]})  # void: an unfinished claim's; expired: for a tranche

    @staticmethod
    def _open_gaps(store, counters):
        """(counter_id, seq) of every gap, prize counters read before draw counters."""
        open_gaps = []
        for counter in sorted(counters.values(), key=lambda c: not _is_prize(c)):
            taken, upto = counter.get("taken", 0), counter.get("accounted_upto", 0)
            accounted = store.accounted_seqs(counter, upto)
            mark = units.watermark(taken, upto, accounted)
            if mark > upto:
                store.mark_accounted_upto(counter["_id"], mark)
            open_gaps += [(counter["_id"], seq) for seq in units.gaps(taken, mark, accounted)]
        return open_gaps

    @staticmethod
    def _void(store, counter, seq, now):
        if _is_prize(counter) and seq in store.accounted_seqs(counter, seq - 1):
            return  # its claim recorded it after the scan
        prefix = units.PRIZE if _is_prize(counter) else units.DRAW
        void = units.placeholder(units.VOID, (counter["_id"], seq), counter["campaign_id"],
                                 prefix, now, **{"return": "pending"})
        store.insert_void(void)  # False: the claim recorded it first, nothing to return


def _is_prize(counter):
    return counter.get("kind") == "prize"


class Reconciler(DependencyProvider):
    """One ``StockReconciler`` per container: it remembers when it first saw each gap."""

    def setup(self):
        self.reconciler = StockReconciler(load_settings().reconcile_grace_seconds)

    def get_dependency(self, worker_ctx):
        return self.reconciler
