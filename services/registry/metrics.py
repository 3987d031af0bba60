"""The registry's business figures."""
from prometheus_client import Counter, Gauge

MERCHANTS_BY_STATUS = Gauge("fangxin_registry_merchants", "Merchants by status (pending_* are "
                            "applications by stage)", ["status"])
REVIEWS = Counter("fangxin_registry_reviews_total", "Review decisions", ["stage", "decision"])
STORE_PAGE_SCANS = Counter("fangxin_registry_store_page_scans_total", "Store page views")

STATUSES = ("pending_onsite", "pending_county", "pending_final", "rejected", "certified",
            "warned", "suspended", "delisted")


def publish_counts(counts):
    for status in STATUSES:
        MERCHANTS_BY_STATUS.labels(status).set(counts.get(status, 0))
