"""The trust grade kept on the merchant as events arrive, free of I/O: the evidence each event
adds (the ``*_evidence`` functions of an event's data), and the merchant's ``trust`` with that
evidence added and its grade recomputed (``regraded``). The formula is trust_grade.py's.

``trust`` = {"evidence": {name: {"value", "as_of"}}, "scans_counted", "redemptions_counted",
"grade", "inputs", "counted"}: ``inputs`` is the standing the grade was computed from (rating,
lists, licences and the last failed spot check, which only evidence brings and each regrade
carries forward).

Activity (scans, redemptions) is counted on the merchant with an increment as it happens
(``scan_count``, ``redemption_count``: the busiest events, which must not each rewrite the
merchant) and folded into the evidence at the merchant's next regrade, as of that regrade.
"""
from datetime import timedelta

from contracts import closings
from contracts.due_times import CHINA_STANDARD_TIME
from plumbing.clock import from_rfc3339, to_rfc3339
from plumbing.versioned import Change
from services.registry import trust_grade
from services.registry.trust_grade import Decayed

GRADED_STATUSES = frozenset({"certified", "warned"})
# the ids of the last events counted into a merchant's trust, kept in the same write: a fact
# delivered again after a crash between that write and its consumer's claim counts once
COUNTED_KEPT = 32
SPOT_CHECK_PASSED = "pass"  # a warning result fails the check too (spot_checks.RESULT_MOVES)
MISSED_RESPONSE = "deadline_missed"
# a graded unit nothing happens to is regraded this long after its last grade: its evidence
# decays and its activity is folded in (the registry's scan, by the key ``k_regrade``)
REGRADE_EVERY = timedelta(days=7)
# evidence name → (the merchant's running count, the trust's count already folded in)
ACTIVITY = {"scans": ("scan_count", "scans_counted"),
            "redemptions": ("redemption_count", "redemptions_counted")}


def forwarded_evidence(data):
    return {"complaints": 1}


def responded_evidence(data):
    return {"answered_in_time" if data["timely"] else "answered_late": 1}


def escalated_evidence(data):
    """A merchant that let its response deadline pass answered late (it can answer no more)."""
    return {"answered_late": 1} if data["reason"] == MISSED_RESPONSE else {}


def closed_evidence(data):
    closing = closings.of(data["closing"])
    return {name: 1 for name, counts in (("judged", closing.judged),
                                         ("resolved", closing.resolved)) if counts}


def spot_check_evidence(data):
    passed = data["result"] == SPOT_CHECK_PASSED
    return {"spot_checks_passed" if passed else "spot_checks_failed": 1}


def warning_evidence(data):
    return {"warnings": 1}


def no_evidence(data):
    """An event that changes the standing (status, rating) but adds no evidence."""
    return {}


def regraded(merchant, added, at, now, event_id=None, refresh=False):
    """The Change of ``merchant``'s trust with ``added`` ({evidence name: count}) of the event
    ``event_id`` counted at ``at`` and the activity since the last count at ``now``, graded at
    ``now`` (aware times); None when neither the evidence nor the grade changes (unless
    ``refresh``: the periodic regrade writes its time), or the event was counted already."""
    trust = merchant.get("trust") or {}
    counted = trust.get("counted") or []
    if event_id is not None and event_id in counted:
        return None
    if event_id is not None and added:
        counted = [*counted, event_id][-COUNTED_KEPT:]
    activity, counts = new_activity(merchant, trust)
    evidence = _added(_added(_evidence_of(trust), added, at), activity, now)
    inputs = standing_of(merchant, _last_failed(trust, added, at), now)
    grade = _grade(merchant, evidence, inputs, now)
    if not refresh and not added and not activity and inputs == trust.get("inputs") and \
            shown(grade) == shown(trust.get("grade")):
        return None
    fields = {"trust": {"evidence": _stored(evidence), **counts, "grade": grade,
                        "inputs": inputs, "counted": counted}}
    return Change(fields, grade_events(merchant["_id"], trust.get("grade"), grade))


def refreshed(merchant, now):
    """The Change of the periodic regrade of a unit nothing happened to."""
    return regraded(merchant, {}, now, now, refresh=True)


def next_regrade_at(merchant):
    """When a graded unit is next regraded though nothing happens to it (RFC 3339): a period
    after its last grade (after its certification, if it has none yet); None when it is not
    graded."""
    if merchant.get("status") not in GRADED_STATUSES:
        return None
    grade = (merchant.get("trust") or {}).get("grade")
    since = grade["computed_at"] if grade else merchant.get("certified_at")
    return to_rfc3339(from_rfc3339(since) + REGRADE_EVERY) if since else None


def new_activity(merchant, trust):
    """({evidence name: activity since it was last folded in, less what was undone}, {trust's
    count: the merchant's count now})."""
    activity, counts = {}, {}
    for name, (running, folded) in ACTIVITY.items():
        counts[folded] = merchant.get(running) or 0
        if counts[folded] != trust.get(folded, 0):
            activity[name] = counts[folded] - trust.get(folded, 0)
    return activity, counts


def standing_of(merchant, last_failed_spot_check_at, now):
    """The facts of the unit the grade reads as they are (not decayed)."""
    rating = merchant.get("rating") or {}
    today = now.astimezone(CHINA_STANDARD_TIME).date()
    return {"rating": {"count": rating.get("count", 0), "total": rating.get("total", 0)},
            "black_listed": bool(merchant.get("black_listed")),
            "licence_days_left": trust_grade.licence_days_left(merchant.get("licences") or [],
                                                               today),
            "last_failed_spot_check_at": last_failed_spot_check_at}


def shown(grade):
    """What a grade shows, less when it was computed."""
    return None if grade is None else {k: v for k, v in grade.items() if k != "computed_at"}


def grade_events(merchant_id, before, after):
    """merchant_updated when what the grade shows changed (store pages are dropped on it),
    merchant_grade_changed too when its stars did."""
    if shown(before) == shown(after):
        return []
    events = [("merchant_updated", {"merchant_id": merchant_id, "changes": {
        "trust_score": after and after["score"]}})]
    previous_stars = before and before["stars"]
    if after is not None and after["stars"] != previous_stars:
        events.append(("merchant_grade_changed", {
            "merchant_id": merchant_id, "score": after["score"], "stars": after["stars"],
            "previous_stars": previous_stars}))
    return events


def _grade(merchant, evidence, inputs, now):
    if merchant.get("status") not in GRADED_STATUSES:
        return None
    failed_at = inputs["last_failed_spot_check_at"]
    standing = {**inputs, "last_failed_spot_check_at": failed_at and from_rfc3339(failed_at)}
    return trust_grade.grade(evidence, standing, now)


def _last_failed(trust, added, at):
    """The later of the last failed spot check known and one ``added`` at ``at``."""
    known = (trust.get("inputs") or {}).get("last_failed_spot_check_at")
    if not added.get("spot_checks_failed"):
        return known
    return max(filter(None, (known, to_rfc3339(at))))


def _evidence_of(trust):
    return {name: Decayed(kept["value"], from_rfc3339(kept["as_of"]))
            for name, kept in (trust.get("evidence") or {}).items()}


def _added(evidence, added, at):
    return {**evidence, **{name: evidence.get(name, Decayed()).plus(amount, at)
                           for name, amount in added.items()}}


def _stored(evidence):
    return {name: {"value": kept.value, "as_of": to_rfc3339(kept.as_of)}
            for name, kept in evidence.items() if kept.as_of is not None}
