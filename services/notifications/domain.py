"""Who is told what about which event, and on which channels; no I/O.

Recipients are inbox addresses: ``merchant:<id>`` (every account of the merchant),
``user:<sub>`` (a consumer or any other person) and ``region:<code>`` (the regulators whose
jurisdiction covers the code).
"""
from dataclasses import dataclass

from contracts.catalogue import NOTIFICATION_CHANNELS as CHANNELS

CONTACT_OF_CHANNEL = {"email": "email", "sms": "phone", "wechat": "wechat_openid"}
# a status change the merchant must hear about even if it opted out of certification news
CRITICAL_STATUSES = frozenset({"suspended", "delisted"})
# a re-evaluation the merchant must hear about even if it opted out of certification news
RE_EVALUATIONS_TO_ACT_ON = frozenset({"rectify", "removed"})


@dataclass(frozen=True)
class Intent:
    """One message to send: the recipient, its topic and template, and whether it is critical
    (critical messages ignore opt-outs)."""
    recipient: str
    topic: str
    template: str
    context: dict
    critical: bool = False


def merchant(data):
    return f"merchant:{data['merchant_id']}"


def consumer(data):
    return f"user:{data['consumer']}"


def regulators(data):
    return f"region:{data['region']}"


def _one(recipient_of, topic, template=None, critical=False):
    def rule(event_type, data):
        return [Intent(recipient_of(data), topic, template or event_type, data,
                       critical(data) if callable(critical) else critical)]
    return rule


def _escalated(event_type, data):
    intents = [Intent(consumer(data), "complaint", "complaint_escalated_consumer", data)]
    if data.get("reason") == "deadline_missed":
        intents.append(Intent(merchant(data), "complaint", "complaint_escalated", data, True))
    return intents


def _closed(event_type, data):
    """The consumer hears of every closing; the merchant too when the deadline closed it (no
    one of its side acted, so nothing else tells it)."""
    intents = [Intent(consumer(data), "complaint", "complaint_closed", data)]
    if data.get("by_deadline"):
        intents.append(Intent(merchant(data), "complaint", "complaint_closed_merchant", data))
    return intents


def _screening_escalated(event_type, data):
    """The regulators of the level that screens it now, and the consumer."""
    return [Intent(f"region:{data['to_region']}", "regulation", event_type, data),
            Intent(consumer(data), "complaint", f"{event_type}_consumer", data)]


def _submitted(event_type, data):
    if not data.get("flagged"):
        return []
    return [Intent(regulators(data), "regulation", "complaint_flagged", data)]


def _released(event_type, data):
    """The regulators told of the hold, and the merchant, whose money it held."""
    return [Intent(regulators(data), "regulation", event_type, data),
            Intent(merchant(data), "coupon", f"{event_type}_merchant", data, critical=True)]


RULES = {
    ("registry", "merchant_applied"): _one(merchant, "certification"),
    ("registry", "merchant_review_recorded"): _one(merchant, "certification"),
    ("registry", "merchant_certified"): _one(merchant, "certification"),
    ("registry", "merchant_rejected"): _one(merchant, "certification"),
    ("registry", "merchant_status_changed"): _one(
        merchant, "certification", critical=lambda data: data.get("to") in CRITICAL_STATUSES),
    ("registry", "spot_check_assigned"): _one(merchant, "spot_check"),
    ("registry", "merchant_re_evaluated"): _one(
        merchant, "certification",
        critical=lambda data: data.get("outcome") in RE_EVALUATIONS_TO_ACT_ON),
    ("complaints", "complaint_submitted"): _submitted,
    ("complaints", "complaint_forwarded"): _one(merchant, "complaint"),
    ("complaints", "complaint_deadline_approaching"): _one(merchant, "complaint",
                                                           critical=True),
    ("complaints", "complaint_escalated"): _escalated,
    ("complaints", "complaint_responded"): _one(consumer, "complaint"),
    ("complaints", "complaint_decision_due"): _one(consumer, "complaint", critical=True),
    ("complaints", "complaint_closed"): _closed,
    ("complaints", "complaint_screening_escalated"): _screening_escalated,
    ("complaints", "complaint_public_reply_posted"): _one(consumer, "complaint"),
    ("complaints", "hotspot_detected"): _one(regulators, "regulation"),
    ("coupons", "coupon_claimed"): _one(consumer, "coupon"),
    ("coupons", "coupon_expiring"): _one(consumer, "coupon"),
    ("coupons", "ballot_won"): _one(consumer, "coupon"),
    ("coupons", "settlement_held"): _one(regulators, "regulation", critical=True),
    ("coupons", "settlement_released"): _released,
}

# the version of an event its rule reads, when not 1 (docs/events.md, "A new version of an
# event"): a fact whose deadline is pending has no v1 envelope
VERSIONS = {("complaints", "complaint_forwarded"): 2, ("complaints", "complaint_escalated"): 2,
            ("complaints", "complaint_closed"): 2}


def version_of(source, event_type):
    return VERSIONS.get((source, event_type), 1)


def intents_for(envelope):
    rule = RULES.get((envelope["source"], envelope["type"]))
    return rule(envelope["type"], envelope["data"]) if rule else []


def audience_regions(envelope):
    """(consumer, region) pairs an event tells us about: who to warn in which region."""
    data = envelope["data"]
    if envelope["type"] == "complaint_submitted":
        return [(data["consumer"], data["region"])]
    if envelope["type"] == "coupon_claimed":
        return [(data["consumer"], region) for region in data.get("regions") or []]
    return []


def default_preferences(recipient):
    return {"recipient": recipient, "locale": "zh-CN", "region": None, "contacts": {},
            "opt_out": {}}


def deliveries_for(intent, preferences):
    """(channel, address) pairs to deliver ``intent`` on: the inbox, plus every channel the
    recipient gave an address for, less its opt-outs unless the message is critical."""
    opted_out = set(preferences.get("opt_out", {}).get(intent.topic, []))
    chosen = []
    for channel in CHANNELS:
        if channel in opted_out and not intent.critical:
            continue
        if channel == "inbox":
            chosen.append(("inbox", intent.recipient))
            continue
        address = (preferences.get("contacts") or {}).get(CONTACT_OF_CHANNEL[channel])
        if address:
            chosen.append((channel, address))
    return chosen


def message_id(event_id, recipient, channel):
    """Exactly one message per (event, recipient, channel): the id is derived from them."""
    return f"{event_id}:{recipient}:{channel}"


def warning_slot(recipient, day, slot):
    """The id of a consumer's ``slot``-th consumer warning of ``day``: one message a slot."""
    return f"warning:{day}:{slot}:{recipient}"


def resumed_fanout(progress):
    """The figures of a warning's fan-out so far (none: a first run), with the cursor of the
    audience it goes on from."""
    return {"audience": 0, "delivered": 0, "throttled": 0, "cursor": None, **(progress or {})}
