"""Figures over complaint documents, free of I/O: regulator statistics, public disclosure, hot
spots and merchants over the complaint threshold.

Times are fixed-width RFC 3339 UTC strings (``plumbing.clock.to_rfc3339``) and are compared as
strings; a window ``(start, end]`` holds what was filed after ``start`` up to ``end`` included.
Rates are 0..1 floats rounded half up to 3 decimals, None when their denominator is 0.
"""
import hashlib
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from plumbing.clock import to_rfc3339
from services.complaints.masking import mask_text

RESOLVED_CLOSINGS = frozenset({"resolved_monetary", "resolved_non_monetary"})
# The consumer gave up or the complaint was out of scope: no judgement on the merchant either way.
UNJUDGED_CLOSINGS = frozenset({"withdrawn", "rejected"})
SATISFIED_FROM = 4
DISCLOSURE_DAYS = 365
SUMMARY_LIMIT = 20
SUMMARY_LENGTH = 200


# --- regulator statistics ---------------------------------------------------------------------

def regulator_statistics(complaints):
    """The figures of ``GET /api/v1/stats/complaints`` over ``complaints`` (already filtered by
    region and period), overall and for each category present:

    - ``total``: every complaint, flagged ones included;
    - ``handled``: status closed; ``handling_rate`` = handled / total;
    - ``resolved``: closed as resolved_monetary or resolved_non_monetary;
      ``resolution_rate`` = resolved / (closed − withdrawn − rejected);
    - ``rated``: complaints with a satisfaction; ``satisfaction_rate`` = ratings ≥ 4 / rated;
    - ``money_recovered_fen``: the sum of ``amount_recovered_fen``;
    - ``average_response_seconds``: mean of responded_at − forwarded_at over the complaints that
      have both, in seconds rounded half up to 1 decimal; None when none has.
    """
    complaints = list(complaints)
    by_category = defaultdict(list)
    for complaint in complaints:
        by_category[complaint["category"]].append(complaint)
    figures = _statistics(complaints)
    figures["by_category"] = {category: _statistics(group)
                              for category, group in sorted(by_category.items())}
    return figures


def _statistics(complaints):
    total = len(complaints)
    handled = sum(1 for complaint in complaints if _is_closed(complaint))
    ratings = [c["satisfaction"] for c in complaints if c.get("satisfaction") is not None]
    satisfied = sum(1 for rating in ratings if rating >= SATISFIED_FROM)
    return {
        "total": total,
        "handled": handled,
        "handling_rate": rate(handled, total),
        **resolution_figures(complaints),
        "rated": len(ratings),
        "satisfaction_rate": rate(satisfied, len(ratings)),
        "money_recovered_fen": sum(c.get("amount_recovered_fen") or 0 for c in complaints),
        "average_response_seconds": average_response_seconds(complaints),
    }


def resolution_figures(complaints):
    """``resolved`` and ``resolution_rate`` = resolved / (closed − withdrawn − rejected)."""
    closed = [complaint for complaint in complaints if _is_closed(complaint)]
    resolved = sum(1 for complaint in closed if complaint.get("closing") in RESOLVED_CLOSINGS)
    judged = sum(1 for complaint in closed if complaint.get("closing") not in UNJUDGED_CLOSINGS)
    return {"resolved": resolved, "resolution_rate": rate(resolved, judged)}


def average_response_seconds(complaints):
    """Mean merchant response time (forwarded → responded), exact to the microsecond before
    rounding half up to 1 decimal; None when no complaint was both forwarded and answered."""
    delays = [parse_time(c["responded_at"]) - parse_time(c["forwarded_at"])
              for c in complaints if c.get("forwarded_at") and c.get("responded_at")]
    if not delays:
        return None
    microseconds = sum(delay // timedelta(microseconds=1) for delay in delays)
    mean = Decimal(microseconds) / len(delays) / 1_000_000
    return float(mean.quantize(Decimal("0.1"), ROUND_HALF_UP))


def _is_closed(complaint):
    return complaint["status"] == "closed"


# --- public disclosure ------------------------------------------------------------------------

def public_disclosure(complaints, now):
    """One merchant's public figures over the 365 days up to ``now``, flagged complaints left out
    (a regulator has not yet accepted them):

    - ``total``, ``resolved``, ``resolution_rate`` (as in ``regulator_statistics``);
    - ``timely_response_rate`` = timely / complaints whose timeliness is known;
    - ``by_category``: counts;
    - ``summaries``: only complaints with public consent, newest first, at most 20, built field
      by field (``public_summary``) so that no personal data can come along.
    """
    start, end = window_ending(now, timedelta(days=DISCLOSURE_DAYS))
    shown = [complaint for complaint in complaints if complaint["status"] != "flagged"
             and filed_within(complaint, start, end)]
    timed = [complaint for complaint in shown if complaint.get("timely") is not None]
    return {
        "period_days": DISCLOSURE_DAYS,
        "total": len(shown),
        **resolution_figures(shown),
        "timely_response_rate": rate(sum(1 for c in timed if c["timely"] is True), len(timed)),
        "by_category": dict(sorted(Counter(c["category"] for c in shown).items())),
        "summaries": public_summaries(shown),
    }


def public_summaries(complaints):
    consented = [complaint for complaint in complaints if complaint.get("public_consent") is True]
    newest_first = sorted(consented, key=lambda c: (c["filed_at"], c["_id"]), reverse=True)
    return [public_summary(complaint) for complaint in newest_first[:SUMMARY_LIMIT]]


def public_summary(complaint):
    """Title and description masked (before the cut, so no number is cut out of its mask); no
    consumer, phone, evidence or amounts."""
    response = complaint.get("response") or {}
    return {
        "complaint_id": complaint["_id"],
        "category": complaint["category"],
        "title": mask_text(complaint["title"]),
        "summary": mask_text(complaint["description"] or "")[:SUMMARY_LENGTH],
        "status": complaint["status"],
        "closing": complaint.get("closing"),
        "filed_on": complaint["filed_at"][:10],
        "response_proposal": response.get("proposal"),
    }


# --- hot spots and thresholds -----------------------------------------------------------------

def detect_hotspots(complaints, now, window_seconds, min_count, min_growth):
    """(region, industry, category) groups whose complaints rise: ``count`` filed in the current
    window (now − window, now], ``previous_count`` in the one before it
    (now − 2·window, now − window], growth = (count − previous_count) / max(previous_count, 1).
    A group is hot when count ≥ min_count and growth ≥ min_growth (compared before ``growth`` is
    rounded to 2 decimals).

    Every filed complaint counts, flagged ones too: a professional claimant's complaint still
    signals a problem in its trade. ``hotspot_id`` is the first 16 hex digits of the SHA-1 of
    region, industry, category and window end, so the same scan gives the same ids.
    Sorted by count, highest first, then region, industry, category.
    """
    window = timedelta(seconds=window_seconds)
    start, end = window_ending(now, window)
    previous_start, _ = window_ending(end, 2 * window)
    current, previous = Counter(), Counter()
    for complaint in complaints:
        if filed_within(complaint, start, end):
            current[_group_of(complaint)] += 1
        elif filed_within(complaint, previous_start, start):
            previous[_group_of(complaint)] += 1
    hot = [_hotspot(group, current[group], previous[group], start, end)
           for group in current.keys() | previous.keys()
           if current[group] >= min_count
           and growth_of(current[group], previous[group]) >= min_growth]
    return sorted(hot, key=lambda h: (-h["count"], h["region"], h["industry"], h["category"]))


def growth_of(count, previous_count):
    return (count - previous_count) / max(previous_count, 1)


def hotspot_id(region, industry, category, window_end):
    key = "|".join((region, industry, category, window_end))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def _group_of(complaint):
    return complaint["region"], complaint["industry"], complaint["category"]


def _hotspot(group, count, previous_count, start, end):
    region, industry, category = group
    growth = Decimal(count - previous_count) / max(previous_count, 1)
    return {"hotspot_id": hotspot_id(region, industry, category, end),
            "region": region, "industry": industry, "category": category,
            "count": count, "previous_count": previous_count,
            "growth": float(growth.quantize(Decimal("0.01"), ROUND_HALF_UP)),
            "window_start": start, "window_end": end}


def merchants_over_threshold(complaints, now, window_seconds, threshold):
    """Merchants with at least ``threshold`` complaints filed in (now − window, now], sorted by
    merchant id. Flagged complaints (a suspected professional claimant, not yet accepted by a
    regulator) and rejected ones (out of scope) do not count: they must not be able to push a
    merchant into the warning library."""
    start, end = window_ending(now, timedelta(seconds=window_seconds))
    counts = Counter(complaint["merchant_id"] for complaint in complaints
                     if counts_against_merchant(complaint) and filed_within(complaint, start, end))
    return [{"merchant_id": merchant_id, "count": count, "window_start": start, "window_end": end}
            for merchant_id, count in sorted(counts.items()) if count >= threshold]


def counts_against_merchant(complaint):
    return complaint["status"] != "flagged" and complaint.get("closing") != "rejected"


# --- time and rates ---------------------------------------------------------------------------

def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def window_ending(now, length):
    """(start, end) of the window of ``length`` (a timedelta) ending at ``now`` (an RFC 3339
    string or an aware datetime), both as fixed-width RFC 3339 strings."""
    end = parse_time(now) if isinstance(now, str) else now
    return to_rfc3339(end - length), to_rfc3339(end)


def filed_within(complaint, start, end):
    return start < complaint["filed_at"] <= end


def rate(numerator, denominator):
    """numerator / denominator rounded half up to 3 decimals; None when denominator is 0."""
    if not denominator:
        return None
    return float((Decimal(numerator) / denominator).quantize(Decimal("0.001"), ROUND_HALF_UP))
