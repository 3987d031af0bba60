"""The yearly re-evaluation (后评价) of every certified unit, free of I/O: a year after its
certification, then a year after each re-evaluation, the unit's trust grade decides whether it
is kept, upgraded, sent to rectify (the warning library) or removed (delisted), and its stars
become the grade's, a regulator's override included (the override lasts until then).

| outcome | when (first that holds) | status | stars |
|---|---|---|---|
| ``removed`` | a veto of black list or expired licence | delisted | 0 |
| ``rectify`` | the grade's stars are 2 or fewer | warned | the grade's |
| ``upgraded`` | the grade's stars are more than the unit's | unchanged | the grade's |
| ``kept`` | otherwise | unchanged | the grade's |
"""
from plumbing.clock import from_rfc3339, shifted
from plumbing.versioned import Change
from services.registry import certification, grading

OUTCOMES = ("kept", "upgraded", "rectify", "removed")
REMOVING_VETOES = frozenset({"black_listed", "licence_expired"})
RECTIFY_AT_MOST = 2
REVIEWED_STATUSES = frozenset({"certified", "warned"})
LABELS = {"kept": "确认保留", "upgraded": "升级", "rectify": "整改", "removed": "撤销"}
STATUS_AFTER = {"rectify": "warned", "removed": "delisted"}


def reviewed_since(merchant):
    """What the next re-evaluation is counted from: the last one, else the certification."""
    return merchant.get("reviewed_at") or merchant.get("certified_at")


def outcome_of(grade, stars_before):
    if REMOVING_VETOES & set(grade["vetoes"]):
        return "removed"
    if grade["stars"] <= RECTIFY_AT_MOST:
        return "rectify"
    return "upgraded" if grade["stars"] > stars_before else "kept"


def re_evaluate(merchant, now, period_seconds):
    """The Change of the unit's re-evaluation at ``now`` (RFC 3339), when one is due."""
    since = reviewed_since(merchant)
    if merchant["status"] not in REVIEWED_STATUSES or since is None or \
            shifted(since, period_seconds) > now:
        return None
    moment = from_rfc3339(now)
    regrade = grading.regraded(merchant, {}, moment, moment)
    graded = {**merchant, **regrade.fields} if regrade else merchant
    grade = graded["trust"]["grade"]
    before = merchant.get("stars") or 0
    outcome = outcome_of(grade, before)
    to = STATUS_AFTER.get(outcome, merchant["status"])
    stars = 0 if outcome == "removed" else grade["stars"]
    reason = f"后评价：{LABELS[outcome]}（{grade['score']} 分）"
    fields = certification.transition(graded, to, certification.SYSTEM, reason, now,
                                      stars=stars, reviewed_at=now, stars_override=None)
    events = [("merchant_re_evaluated", {
        "merchant_id": merchant["_id"], "region": merchant["region"], "outcome": outcome,
        "score": grade["score"], "stars": stars, "previous_stars": before})]
    if to != merchant["status"]:
        events.append(certification.status_changed(merchant, to, reason, certification.SYSTEM))
    return Change({**(regrade.fields if regrade else {}), **fields},
                  (regrade.events if regrade else []) + events)
