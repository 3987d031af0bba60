"""The pass of the registry's schedule: units whose licences are about to expire move to the
warning library, units due for their yearly re-evaluation are re-evaluated, graded units
nothing happened to for a while are regraded, and the status figures are refreshed."""
from datetime import timedelta

from plumbing.clock import shifted, to_rfc3339
from services.registry import certification, grading, metrics, re_evaluation

LICENCE_EXPIRING_REASON = "证照即将到期"


class Timers:
    def __init__(self, store, clock, settings, merchants):
        """``merchants``: the Merchants over the same store."""
        self.store, self.clock, self.settings, self.merchants = store, clock, settings, merchants

    def scan(self):
        now = self.clock.now()
        days = self.settings.licence_warning_days
        latest = (now.date() + timedelta(days=days)).isoformat()
        for merchant in self.store.with_licence_until(latest):
            if certification.expiring_licences(merchant, now.date(), days):
                self.merchants.change(merchant["_id"], lambda m: certification.warn_automatically(
                    m, LICENCE_EXPIRING_REASON, to_rfc3339(now)))
        self.re_evaluate(to_rfc3339(now))
        self.regrade_quiet_units(now)
        metrics.publish_counts(self.store.count_by_status())

    def re_evaluate(self, now):
        period = self.settings.re_evaluation_seconds
        for merchant in self.store.due_for_review(shifted(now, -period)):
            self.merchants.change(merchant["_id"], lambda m: re_evaluation.re_evaluate(
                m, now, period))

    def regrade_quiet_units(self, now):
        for merchant in self.store.due_for_regrade(to_rfc3339(now)):
            self.merchants.regrade(merchant["_id"], lambda m: grading.refreshed(m, now))
