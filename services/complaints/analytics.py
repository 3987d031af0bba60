"""Judgements over complaint documents, free of I/O: a consented complaint's public summary,
hot spots and merchants over the complaint threshold (the counted figures are in ``figures``).

Times are fixed-width RFC 3339 UTC strings (``plumbing.clock.to_rfc3339``) and are compared as
strings; a window ``(start, end]`` holds what was filed after ``start`` up to ``end`` included.
Rates are 0..1 floats rounded half up to 3 decimals, None when their denominator is 0.
"""
import hashlib
from collections import Counter
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from contracts import closings
from plumbing.clock import from_rfc3339, to_rfc3339
from services.complaints.masking import mask_text

SATISFIED_FROM = 4
SUMMARY_LIMIT = 20
SUMMARY_LENGTH = 200
REPLY_LENGTH = 1000


# --- public disclosure ------------------------------------------------------------------------

def published_text(title, description):
    """The title and summary a consented complaint is published with: masked (before the cut,
    so no number is cut out of its mask)."""
    return {"title": mask_text(title), "summary": mask_text(description or "")[:SUMMARY_LENGTH]}


def public_summary(complaint):
    """Its published text; no consumer, phone, evidence or amounts."""
    response = complaint.get("response") or {}
    return {
        "complaint_id": complaint["_id"],
        "category": complaint["category"],
        **published_text(complaint["title"], complaint["description"]),
        "status": complaint["status"],
        "closing": complaint.get("closing"),
        "filed_on": complaint["filed_at"][:10],
        "response_proposal": response.get("proposal"),
        "merchant_reply": public_reply(complaint),
    }


def public_reply(complaint):
    """The merchant's public reply as published: masked like the summary."""
    reply = complaint.get("public_reply")
    if not reply:
        return None
    return {"text": mask_text(reply["text"])[:REPLY_LENGTH], "at": reply["at"]}


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
    regulator) and those whose closing is not ``against_merchant`` (rejected: out of scope) do
    not count: they must not be able to push a merchant into the warning library."""
    start, end = window_ending(now, timedelta(seconds=window_seconds))
    counts = Counter(complaint["merchant_id"] for complaint in complaints
                     if counts_against_merchant(complaint) and filed_within(complaint, start, end))
    return [{"merchant_id": merchant_id, "count": count, "window_start": start, "window_end": end}
            for merchant_id, count in sorted(counts.items()) if count >= threshold]


def counts_against_merchant(complaint):
    if complaint["status"] == "flagged":
        return False
    return complaint.get("closing") is None or closings.of(complaint["closing"]).against_merchant


# --- time and rates ---------------------------------------------------------------------------

def window_ending(now, length):
    """(start, end) of the window of ``length`` (a timedelta) ending at ``now`` (an RFC 3339
    string or an aware datetime), both as fixed-width RFC 3339 strings."""
    end = from_rfc3339(now) if isinstance(now, str) else now
    return to_rfc3339(end - length), to_rfc3339(end)


def filed_within(complaint, start, end):
    return start < complaint["filed_at"] <= end


def rate(numerator, denominator):
    """numerator / denominator rounded half up to 3 decimals; None when denominator is 0."""
    if not denominator:
        return None
    return float((Decimal(numerator) / denominator).quantize(Decimal("0.001"), ROUND_HALF_UP))


def period_of(now, window_seconds):
    """The number of the ``window_seconds``-long period ``now`` falls in (one threshold report
    per merchant and period, one hot spot per group and period)."""
    return int(from_rfc3339(now).timestamp() // window_seconds)
