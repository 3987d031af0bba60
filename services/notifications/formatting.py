"""Jinja filters of the message templates, free of I/O: money, moments, durations and the
readable names of the codes that events carry (contracts/labels.py); and ``coupon_terms``.

A code with no readable name comes out as it is, so a new code never breaks a message; but
closings are all named in contracts/closings.py, so a closing without a name is an error.
"""

from jinja2 import pass_context

from contracts import closings, coupon_kinds
from contracts.due_times import due_time
from contracts.labels import LABELS
from plumbing.clock import local_time


def zh_label(code, vocabulary):
    """The zh-CN name of ``code`` in ``vocabulary`` (category, proposal, closing, status, stage,
    decision, escalation, industry); the code itself when it has none (KeyError for a closing)."""
    return _label("zh-CN", code, vocabulary)


def en_label(code, vocabulary):
    """The English name of ``code`` in ``vocabulary``; the code itself when it has none
    (KeyError for a closing)."""
    return _label("en", code, vocabulary)


def _label(locale, code, vocabulary):
    if vocabulary == "closing":
        return closings.of(code).label(locale)
    return LABELS[locale][vocabulary].get(code, code)


def invites_rating(closing):
    """Whether the message of a complaint closed with ``closing`` asks for a rating."""
    return closings.of(closing).invites_rating


def yuan(fen):
    """An amount in fen as yuan with 2 decimals, exactly (no float): 1250 → "12.50"."""
    fen = int(fen or 0)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def percent(ratio):
    """A ratio as a whole percentage: 1.5 → "150%"."""
    return f"{round(float(ratio) * 100)}%"


def zh_duration(seconds):
    """Elapsed time in zh-CN, to the minute: 3725 → "1小时2分钟"; under a minute "不到1分钟"."""
    days, hours, minutes = _days_hours_minutes(seconds)
    parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "",
             f"{minutes}分钟" if minutes else ""]
    return "".join(parts) or "不到1分钟"


def en_duration(seconds):
    """Elapsed time in English, to the minute: 3725 → "1 h 2 min"; "under a minute"."""
    days, hours, minutes = _days_hours_minutes(seconds)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(part for part in parts if part) or "under a minute"


def _days_hours_minutes(seconds):
    minutes = int(float(seconds or 0)) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return days, hours, minutes


FILTERS = {
    "zh_label": zh_label, "en_label": en_label, "yuan": yuan, "local_time": local_time,
    "percent": percent, "zh_duration": zh_duration, "en_duration": en_duration,
    "invites_rating": invites_rating, "due_time": due_time,
}


@pass_context
def coupon_terms(context, locale):
    """What the coupon a message is about is worth, in ``locale``: its event's ``kind`` and
    amounts as contracts/coupon_kinds.py words them ("" when they say nothing; events from
    before they carried the kind are worded by their amounts)."""
    coupon = {name: context.get(name) for name in ("kind", *coupon_kinds.AMOUNT_FIELDS)}
    return coupon_kinds.terms(coupon, locale)


GLOBALS = {"coupon_terms": coupon_terms}
