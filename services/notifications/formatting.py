"""Jinja filters of the message templates, free of I/O: money, moments, durations and the
readable names of the codes that events carry, in zh-CN and en; and ``coupon_terms``.

A code with no readable name comes out as it is, so a new code never breaks a message; but
closings are all named in contracts/closings.py, so a closing without a name is an error.
"""
from datetime import timedelta, timezone

from jinja2 import pass_context

from contracts import closings, coupon_kinds
from contracts.catalogue import INDUSTRIES, INDUSTRIES_EN
from plumbing.clock import from_rfc3339

# Messages speak the time of the people they are for: China Standard Time has no summer time.
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))

ZH_LABELS = {
    "category": {
        "quality": "质量问题", "price": "价格问题", "short_weight": "缺斤短两",
        "false_advertising": "虚假宣传", "refund_refused": "拒绝退款", "service": "服务问题",
        "safety": "安全问题", "contract": "合同纠纷", "other": "其他",
    },
    "proposal": {
        "refund": "退款", "exchange": "换货", "repair": "维修", "compensation": "赔偿",
        "apology": "道歉", "dispute": "异议",
    },
    "closing": closings.labels("zh-CN"),
    "status": {
        "pending_onsite": "待现场核查", "pending_county": "待县级审核",
        "pending_final": "待市级综合评审", "rejected": "未通过", "certified": "放心消费单位",
        "warned": "警示", "suspended": "暂停", "delisted": "摘牌",
    },
    "stage": {"onsite": "现场核查", "county": "县级审核", "final": "市级综合评审"},
    "decision": {"pass": "通过", "fail": "未通过"},
    "escalation": {"deadline_missed": "商家逾期未答复",
                   "consumer_rejected": "消费者不接受商家的处理方案"},
    "industry": dict(INDUSTRIES),
}

EN_LABELS = {
    "category": {
        "quality": "product quality", "price": "pricing", "short_weight": "short weight",
        "false_advertising": "false advertising", "refund_refused": "refund refused",
        "service": "service", "safety": "safety", "contract": "contract dispute",
        "other": "other",
    },
    "proposal": {
        "refund": "a refund", "exchange": "an exchange", "repair": "a repair",
        "compensation": "compensation", "apology": "an apology", "dispute": "a dispute",
    },
    "closing": closings.labels("en"),
    "status": {
        "pending_onsite": "awaiting on-site verification",
        "pending_county": "awaiting the county review", "pending_final": "awaiting the city review",
        "rejected": "rejected", "certified": "certified trusted-consumption unit",
        "warned": "warned", "suspended": "suspended", "delisted": "delisted",
    },
    "stage": {"onsite": "on-site verification", "county": "county review",
              "final": "city comprehensive review"},
    "decision": {"pass": "passed", "fail": "failed"},
    "escalation": {"deadline_missed": "the merchant did not answer in time",
                   "consumer_rejected": "the consumer did not accept the merchant's proposal"},
    "industry": dict(INDUSTRIES_EN),
}

LABELS = {"zh-CN": ZH_LABELS, "en": EN_LABELS}


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


def local_time(moment):
    """An RFC 3339 moment as China Standard Time to the minute: "2026-11-21 16:00".
    What does not parse comes out as it is; None as an empty string."""
    if moment is None:
        return ""
    try:
        parsed = from_rfc3339(str(moment))
    except ValueError:
        return str(moment)
    return parsed.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


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
    "invites_rating": invites_rating,
}


@pass_context
def coupon_terms(context, locale):
    """What the coupon a message is about is worth, in ``locale``: its event's ``kind`` and
    amounts as contracts/coupon_kinds.py words them ("" when they say nothing; events from
    before they carried the kind are worded by their amounts)."""
    coupon = {name: context.get(name) for name in ("kind", *coupon_kinds.AMOUNT_FIELDS)}
    return coupon_kinds.terms(coupon, locale)


GLOBALS = {"coupon_terms": coupon_terms}
