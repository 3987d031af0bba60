"""The open-data rows of closed complaints (docs/open-data.md), free of I/O: what of a closed
complaint the public may have (never the consumer, the phone, the title, the description, the
evidence, the merchant's message, comments or notes); days are China days
(``plumbing.clock.china_day`` and ``china_day_range``).

Rows are built field by field from ``contracts.open_data.COLUMNS``, never by copying the
complaint, so that nothing added to complaints later reaches the file unasked."""
from datetime import date

from contracts.open_data import NAMES
from plumbing.clock import china_day


def closed_by_deadline(timeline):
    """Whether the complaint's closing followed right after a ``deadline_passed`` entry (it
    closed by itself); entries after the closing (a rating) do not count."""
    events = [entry["event"] for entry in timeline]
    if "closed" not in events:
        return False
    closed = len(events) - 1 - events[::-1].index("closed")
    return closed > 0 and events[closed - 1] == "deadline_passed"


def row_of(complaint):
    """The open-data row of a closed complaint: a dict of every column, in column order."""
    filed_on, closed_on = china_day(complaint["filed_at"]), china_day(complaint["closed_at"])
    response = complaint.get("response") or {}
    values = {
        "complaint_id": complaint["_id"],
        "filed_on": filed_on,
        "closed_on": closed_on,
        "region": complaint["region"],
        "industry": complaint["industry"],
        "category": complaint["category"],
        "merchant_id": complaint["merchant_id"],
        "merchant_name": complaint["merchant_name"],
        "closing": complaint["closing"],
        "by_deadline": closed_by_deadline(complaint["timeline"]),
        "timely": complaint.get("timely"),
        "escalated": bool(complaint.get("escalated")),
        "response_proposal": response.get("proposal"),
        "amount_recovered_fen": complaint.get("amount_recovered_fen") or 0,
        "satisfaction": complaint.get("satisfaction"),
        "days_to_close": (date.fromisoformat(closed_on) - date.fromisoformat(filed_on)).days,
    }
    return {name: values[name] for name in NAMES}


# the fields row_of reads: the store reads only these, so nothing else leaves it
READS = ("_id", "filed_at", "closed_at", "region", "industry", "category", "merchant_id",
         "merchant_name", "closing", "timeline", "timely", "escalated", "response",
         "amount_recovered_fen", "satisfaction")
