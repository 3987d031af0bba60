"""The complaints service's business figures."""
from prometheus_client import Counter, Gauge, Histogram

from services.complaints import working_days

COMPLAINTS_BY_STATUS = Gauge("fangxin_complaints", "Complaints by status", ["status"])
FILED = Counter("fangxin_complaints_filed_total", "Complaints filed, by first status", ["status"])
SLA_BREACHES = Counter("fangxin_complaint_sla_breaches_total",
                       "Merchant deadlines missed (escalated automatically)")
RESPONSE_SECONDS = Histogram("fangxin_complaint_response_seconds",
                             "Time from forwarding to the merchant's answer",
                             buckets=(60, 600, 3600, 6 * 3600, 24 * 3600, 2 * 24 * 3600,
                                      4 * 24 * 3600, 7 * 24 * 3600))
STATES_ENDED = Counter("fangxin_complaint_states_ended_total",
                       "Open states ended by their deadline, by the rule that ended them",
                       ["kind"])
CALENDAR_LAST_YEAR = Gauge("fangxin_working_calendar_last_year",
                           "The last year the official working-day calendar covers")
CALENDAR_DAYS_LEFT = Gauge("fangxin_working_calendar_days_left",
                           "Days from today (China) to the end of the calendar's last year")
DEADLINES_PENDING = Gauge("fangxin_complaint_deadlines_pending",
                          "Open complaints whose deadline waits for a year the calendar lacks")
STATUSES = ("forwarded", "responded", "mediation", "closed", "flagged")


def publish_counts(counts):
    for status in STATUSES:
        COMPLAINTS_BY_STATUS.labels(status).set(counts.get(status, 0))


def publish_coverage(today):
    """The calendar's coverage as of ``today`` (a date in China)."""
    CALENDAR_LAST_YEAR.set(working_days.LAST_COVERED_YEAR)
    CALENDAR_DAYS_LEFT.set(working_days.days_left(today))


def publish_calendar(today, pending):
    publish_coverage(today)
    DEADLINES_PENDING.set(pending)
