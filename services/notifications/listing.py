"""Where messages, deliveries, warnings and the warning audience are listed, and which key
ranges each list reads; free of I/O.

| collection, field | key | holds |
|---|---|---|
| messages ``k_inbox`` | recipient, created_at, id | every message, for its inbox |
| messages ``k_unread`` | the same | unread messages |
| messages ``k_region2/4/6`` | province / city / county, created_at, id | to ``region:<code>`` |
| deliveries ``k_recipient`` | recipient, created_at, id | every delivery |
| deliveries ``k_retry`` | next_attempt_at, id | pending deliveries: the retry scan |
| warnings ``k_code`` | region code, published_at, id | published warnings, by their code |
| warnings ``k_within2/4/6`` | province / city / county, published_at, id | the same |
| audience ``k_audience`` | region code, consumer | who hears warnings where |
"""
from plumbing.actors import covers, jurisdiction_of, jurisdiction_prefix
from plumbing.keys import key, prefix, region_keys, region_prefix
from plumbing.pagination import KeyRange

REGION_RECIPIENT = "region:"


def message_keys(message):
    recipient, listed = message["recipient"], (message["created_at"], message["_id"])
    keys = {"k_inbox": key("k_inbox", recipient, *listed),
            "k_unread": key("k_unread", recipient, *listed) if message.get("read_at") is None
            else None}
    region = recipient[len(REGION_RECIPIENT):] if recipient.startswith(REGION_RECIPIENT) \
        else None
    for field, value in region_keys("k_region", region or "000000", *listed).items():
        keys[field] = value if region else None
    return keys


MESSAGE_KEY_FIELDS = tuple(message_keys({"recipient": "region:330106", "created_at": "t",
                                         "_id": "x"}))


def inbox_ranges(actor, unread_only):
    """``(ranges, accept)`` of the messages ``actor`` reads: its own and, for a regulator, its
    jurisdiction's (whose read state its colleagues share)."""
    own = "k_unread" if unread_only else "k_inbox"
    ranges = [KeyRange(own, prefix(own, actor.recipient))]
    accept = None
    if actor.role == "regulator":
        ranges.append(KeyRange(*region_prefix("k_region", jurisdiction_of(actor))))
        if unread_only:
            def accept(message):
                return message.get("read_at") is None
    return ranges, accept


def reads(actor, message):
    """Whether ``message`` is in ``actor``'s inbox."""
    recipient = message["recipient"]
    if recipient == actor.recipient:
        return True
    return actor.role == "regulator" and recipient.startswith(REGION_RECIPIENT) and covers(
        actor.region, recipient[len(REGION_RECIPIENT):])


def delivery_keys(delivery):
    return {"k_recipient": key("k_recipient", delivery["recipient"], delivery["created_at"],
                               delivery["_id"]),
            "k_retry": key("k_retry", delivery["next_attempt_at"], delivery["_id"])
            if delivery["status"] == "pending" else None}


DELIVERY_KEY_FIELDS = ("k_recipient", "k_retry")


def deliveries_range(recipient):
    return KeyRange("k_recipient", prefix("k_recipient", recipient))


def warning_keys(warning):
    if warning["status"] != "published":
        return dict.fromkeys(WARNING_KEY_FIELDS)
    listed = warning["published_at"], warning["_id"]
    return {"k_code": key("k_code", warning["region"], *listed),
            **region_keys("k_within", warning["region"], *listed)}


WARNING_KEY_FIELDS = ("k_code", "k_within2", "k_within4", "k_within6")


def public_warning_ranges(region=None):
    """Published warnings, newest first; for a region, those that concern it: its own and its
    city's and province's (by their codes), and those within it."""
    if not region:
        return [KeyRange("k_within2", prefix("k_within2"))]
    ancestors = {region, region[:4] + "00", region[:2] + "0000"}
    return [KeyRange("k_code", prefix("k_code", code)) for code in sorted(ancestors)] + [
        KeyRange(*region_prefix("k_within", jurisdiction_prefix(region)))]


def audience_key(consumer, region):
    return key("k_audience", region, consumer)


def audience_range(region_prefix):
    """The audience entries within a region prefix, in (code, consumer) order."""
    return KeyRange("k_audience", prefix("k_audience", partial=region_prefix))
