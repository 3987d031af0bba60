"""The official calendar's coverage, checked when the service starts: a year about to run out
is logged and set in the metrics the alert rules watch (docs/complaints.md "Deadlines"), never
filled in with a guess."""
import logging

from nameko.extensions import DependencyProvider

from plumbing.clock import ClockProvider
from services.complaints import metrics, working_days

log = logging.getLogger(__name__)
WARN_DAYS = 90  # the longest rule (45 working days) spans about 65 calendar days


def coverage_warning(today):
    """The warning to give on ``today`` (a date in China), or None."""
    left = working_days.days_left(today)
    if left >= WARN_DAYS:
        return None
    return (f"the working-day calendar (chinese-calendar) ends on "
            f"{working_days.LAST_COVERED_YEAR}-12-31, in {left} days: deadlines past it "
            f"stay pending until a release covering {working_days.LAST_COVERED_YEAR + 1} is "
            f"deployed")


class CalendarCoverage(DependencyProvider):
    """Reads the day on the service's own clock (its ``ClockProvider``, set up by the time
    the container starts its extensions)."""

    def start(self):
        clock = next(d.clock for d in self.container.dependencies
                     if isinstance(d, ClockProvider))
        today = working_days.local_day(clock.now())
        metrics.publish_coverage(today)
        warning = coverage_warning(today)
        if warning:
            log.warning(warning)
