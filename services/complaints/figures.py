"""Complaint figures as counters, free of I/O: what one complaint adds to which counter, which
counter documents a period is read from, and the figures of their sums.

Every complaint counts, by the UTC day and month it was filed, towards:

- regulator figures (``GET /api/v1/stats/complaints``) of its county, city and province
  (``s|<region prefix>|d|<day>`` and ``…|m|<month>``), per category: ``total`` (flagged ones
  included), ``handled`` (closed), ``resolved`` and ``judged`` (closed in a closing that is
  ``resolved`` or ``judged`` in contracts/closings.py), ``rated``,
  ``satisfied`` (a satisfaction of 4 or 5), ``recovered`` (fen), ``responded`` and
  ``response_us`` (forwarded → responded, in microseconds) and ``closing.<code>`` (closed so);
- the merchant's public figures of the month (``p|<merchant>|m|<month>``), unless flagged:
  ``total``, ``resolved``, ``judged``, ``timely``, ``timed`` (its timeliness is known) and
  ``cat.<category>``; they are shown for the twelve months up to this one, this one
  included (``period_days`` says how many days that is);
- the gauge of complaints by status (``g|status``).

A period of days is read as its whole months plus the days of the months it cuts: at most
three ranges of counter documents, whatever the period's length.
"""
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from contracts import closings
from plumbing.clock import from_rfc3339
from plumbing.keys import key, prefix
from services.complaints.analytics import SATISFIED_FROM, rate

COUNTERS = "complaint_counters"
REGION_LEVELS = (2, 4, 6)
DISCLOSURE_MONTHS = 12
STATUS_GAUGE = key("g", "status")
REGULATOR_FIELDS = ("total", "handled", "resolved", "judged", "rated", "satisfied",
                    "recovered", "responded", "response_us")


def snapshot(complaint):
    """The values of a complaint its figures depend on."""
    return {"filed": complaint["filed_at"], "region": complaint["region"],
            "merchant": complaint["merchant_id"], "category": complaint["category"],
            "status": complaint["status"], "closing": complaint.get("closing"),
            "timely": complaint.get("timely"), "satisfaction": complaint.get("satisfaction"),
            "recovered": complaint.get("amount_recovered_fen") or 0,
            "response_us": response_microseconds(complaint)}


def response_microseconds(complaint):
    if not (complaint.get("forwarded_at") and complaint.get("responded_at")):
        return None
    delay = from_rfc3339(complaint["responded_at"]) - from_rfc3339(complaint["forwarded_at"])
    return delay // timedelta(microseconds=1)


def contribution(counted):
    """``{counter id: {field: number}}`` that the complaint ``counted`` (a snapshot) adds."""
    day, month = counted["filed"][:10], counted["filed"][:7]
    periods = (("d", day), ("m", month))
    category = counted["category"]
    regulator = {f"{category}.{name}": n for name, n in regulator_counts(counted).items() if n}
    added = {key("s", counted["region"][:level], period, value): regulator
             for level in REGION_LEVELS for period, value in periods}
    if counted["status"] != "flagged":
        public = {name: n for name, n in public_counts(counted).items() if n}
        added[key("p", counted["merchant"], "m", month)] = public
    added[STATUS_GAUGE] = {counted["status"]: 1}
    return added


def _closed(counted):
    return counted["status"] == "closed"


def _judgement(counted):
    if not _closed(counted):
        return {"resolved": 0, "judged": 0}
    closing = closings.of(counted["closing"])
    return {"resolved": int(closing.resolved), "judged": int(closing.judged)}


def regulator_counts(counted):
    satisfaction, response = counted["satisfaction"], counted["response_us"]
    closing = {f"closing.{counted['closing']}": 1} if _closed(counted) else {}
    return {**closing, "total": 1, "handled": int(_closed(counted)), **_judgement(counted),
            "rated": int(satisfaction is not None),
            "satisfied": int(satisfaction is not None and satisfaction >= SATISFIED_FROM),
            "recovered": counted["recovered"], "responded": int(response is not None),
            "response_us": response or 0}


def public_counts(counted):
    return {"total": 1, **_judgement(counted), "timely": int(counted["timely"] is True),
            "timed": int(counted["timely"] is not None), f"cat.{counted['category']}": 1}


# --- periods --------------------------------------------------------------------------------

def _month_after(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _month_end(day):
    return _month_after(day) - timedelta(days=1)


def period_ranges(first=None, last=None):
    """The counter ranges of the days ``first``..``last`` (dates, both included; None: open):
    ``[(period, start, end)]`` with ``period`` "d" (days) or "m" (months), ``start`` included
    and ``end`` excluded (None: open), as texts. Each day is covered exactly once, by its day
    or by its month."""
    ranges = []
    if first is not None and first.day != 1:
        stop = _month_end(first) if last is None else min(_month_end(first), last)
        ranges.append(("d", first.isoformat(), (stop + timedelta(days=1)).isoformat()))
        first = stop + timedelta(days=1)
    tail = None
    if last is not None and last != _month_end(last) and (first is None or first <= last):
        start = last.replace(day=1) if first is None else max(last.replace(day=1), first)
        tail = ("d", start.isoformat(), (last + timedelta(days=1)).isoformat())
        last = start - timedelta(days=1)
    if first is None or last is None or first <= last:
        ranges.append(("m", first.isoformat()[:7] if first else "",
                       _month_after(last).isoformat()[:7] if last else None))
    if tail:
        ranges.append(tail)
    return ranges


def regulator_ranges(region_prefix, first=None, last=None):
    """(prefix, start, end) of the regulator counters of a region over a period."""
    return [(prefix("s", region_prefix, period), start, end)
            for period, start, end in period_ranges(first, last)]


def disclosure_start(today):
    """The first day of the disclosure: the first of the month eleven months before
    ``today``'s."""
    month = today.year * 12 + today.month - 1 - (DISCLOSURE_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)


def disclosure_ranges(merchant_id, today):
    return [(prefix("p", merchant_id, "m"), disclosure_start(today).isoformat()[:7],
             _month_after(today).isoformat()[:7])]


# --- figures of counter sums ------------------------------------------------------------------

def added_up(documents):
    """The field-by-field sum of counter documents (nested fields flattened with dots)."""
    sums = {}
    for document in documents:
        for name, value in _flat(document):
            sums[name] = sums.get(name, 0) + value
    return sums


def _flat(document, parent=""):
    for name, value in document.items():
        if parent == "" and name in ("_id", "k"):
            continue
        if isinstance(value, dict):
            yield from _flat(value, f"{parent}{name}.")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield f"{parent}{name}", value


def regulator_statistics(sums):
    """The figures of ``GET /api/v1/stats/complaints`` from summed regulator counters: overall
    and for each category that has complaints (rates as in ``analytics.rate``)."""
    categories = sorted({name.split(".")[0] for name in sums})
    per_category = {c: {field: sums.get(f"{c}.{field}", 0) for field in REGULATOR_FIELDS}
                    for c in categories}
    overall = {field: sum(counts[field] for counts in per_category.values())
               for field in REGULATOR_FIELDS}
    figures = _statistics(overall)
    figures["by_closing"] = {code: sum(sums.get(f"{c}.closing.{code}", 0) for c in categories)
                             for code in closings.CODES}
    figures["by_category"] = {c: _statistics(counts) for c, counts in per_category.items()
                              if counts["total"]}
    return figures


def _statistics(counts):
    return {
        "total": counts["total"],
        "handled": counts["handled"],
        "handling_rate": rate(counts["handled"], counts["total"]),
        "resolved": counts["resolved"],
        "resolution_rate": rate(counts["resolved"], counts["judged"]),
        "rated": counts["rated"],
        "satisfaction_rate": rate(counts["satisfied"], counts["rated"]),
        "money_recovered_fen": counts["recovered"],
        "average_response_seconds": _mean_seconds(counts["response_us"], counts["responded"]),
    }


def _mean_seconds(microseconds, count):
    if not count:
        return None
    mean = Decimal(microseconds) / count / 1_000_000
    return float(mean.quantize(Decimal("0.1"), ROUND_HALF_UP))


def public_figures(sums, today):
    """A merchant's public figures from its summed public counters."""
    by_category = {name.split(".", 1)[1]: n for name, n in sums.items()
                   if name.startswith("cat.") and n}
    return {
        "period_days": (today - disclosure_start(today)).days + 1,
        "total": sums.get("total", 0),
        "resolved": sums.get("resolved", 0),
        "resolution_rate": rate(sums.get("resolved", 0), sums.get("judged", 0)),
        "timely_response_rate": rate(sums.get("timely", 0), sums.get("timed", 0)),
        "by_category": dict(sorted(by_category.items())),
    }


def disclosure_window_start(today):
    return disclosure_start(today).isoformat()


def utc_day(moment_text):
    return date.fromisoformat(moment_text[:10])
