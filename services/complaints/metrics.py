"""The complaints service's business figures."""
from prometheus_client import Counter, Gauge, Histogram

COMPLAINTS_BY_STATUS = Gauge("fangxin_complaints", "Complaints by status", ["status"])
FILED = Counter("fangxin_complaints_filed_total", "Complaints filed, by first status", ["status"])
SLA_BREACHES = Counter("fangxin_complaint_sla_breaches_total",
                       "Merchant deadlines missed (escalated automatically)")
RESPONSE_SECONDS = Histogram("fangxin_complaint_response_seconds",
                             "Time from forwarding to the merchant's answer",
                             buckets=(60, 600, 3600, 6 * 3600, 24 * 3600, 2 * 24 * 3600,
                                      4 * 24 * 3600, 7 * 24 * 3600))
STATUSES = ("forwarded", "responded", "mediation", "closed", "flagged")


def publish_counts(counts):
    for status in STATUSES:
        COMPLAINTS_BY_STATUS.labels(status).set(counts.get(status, 0))
