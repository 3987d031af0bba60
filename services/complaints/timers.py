"""The passes of the complaints service's schedules: open states ended by their deadlines,
pending deadlines computed once the calendar covers their year, merchants reminded of near
deadlines, the status and calendar figures refreshed; and hot spots found."""
from plumbing.clock import shifted, to_rfc3339
from services.complaints import analytics, deadlines, lifecycle, metrics, working_days
from services.complaints.events import envelopes
from services.complaints.store import HOTSPOTS


class Timers:
    def __init__(self, store, clock, settings, handling):
        """``handling``: the Handling whose ``step`` stores a complaint's change."""
        self.store, self.clock, self.settings, self.handling = store, clock, settings, handling

    def watch_deadlines(self):
        """Ends the open states whose deadline passed, computes pending deadlines the calendar
        now covers, reminds merchants of near deadlines, and refreshes the figures."""
        now, settings = self._now(), self.settings
        for complaint in self.store.overdue(now):
            kind = deadlines.KIND_OF_STATE[complaint["status"]]
            saved = self.handling.step(complaint["_id"], lambda c: lifecycle.end_if_overdue(
                c, now, settings))
            if saved["version"] != complaint["version"]:
                metrics.STATES_ENDED.labels(kind).inc()
                if kind == "response":
                    metrics.SLA_BREACHES.inc()
        for complaint in self.store.pending_until(working_days.LAST_COVERED_YEAR):
            self.handling.step(complaint["_id"], lambda c: lifecycle.schedule_pending(
                c, now, settings))
        until = shifted(now, settings.remind_before_seconds)
        for complaint in self.store.due_for_reminder(until):
            self.handling.step(complaint["_id"], lambda c: lifecycle.remind_if_due(
                c, now, settings))
        metrics.publish_counts(self.store.count_by_status())
        self.publish_calendar()

    def publish_calendar(self):
        """The calendar's coverage and the pending deadlines, as metrics (alert rules)."""
        metrics.publish_calendar(working_days.local_day(self.clock.now()),
                                 self.store.count_pending())

    def find_hotspots(self):
        """Stores each hot group once per group and period, with its ``hotspot_detected``."""
        now, settings = self._now(), self.settings
        window = settings.hotspot_window_seconds
        recent = self.store.filed_since(shifted(now, -2 * window),
                                        ("region", "industry", "category", "filed_at"))
        for spot in analytics.detect_hotspots(recent, now, window, settings.hotspot_min_count,
                                              settings.hotspot_min_growth):
            # one hot spot per group and period, however many scans see it hot
            spot["hotspot_id"] = analytics.hotspot_id(
                spot["region"], spot["industry"], spot["category"],
                f"period-{analytics.period_of(now, window)}")
            document = {"_id": spot["hotspot_id"], **spot, "detected_at": now}
            self.store.add_once(HOTSPOTS, document, envelopes([("hotspot_detected", spot)],
                                                              self.clock))

    def _now(self):
        return to_rfc3339(self.clock.now())
