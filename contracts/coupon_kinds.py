"""Coupon kinds (DESIGN.md "Coupons"), each in one place: the campaign fields it needs and their
checks, the discount it gives on an order, and how its terms read in zh-CN and en (the store
page, the claim page and the notification messages all word coupons here).

The coupons service's schema and rules, the gateway's pages and the notifications' templates
ask this module and never branch on a kind themselves: a new kind is one more ``Kind``
subclass registered below (docs/coupons.md "A new coupon kind").
"""
from marshmallow import Schema, ValidationError, fields, validate

MAX_FEN = 100_000_000  # ¥1 million per coupon is far above any consumption voucher
FEN = validate.Range(0, MAX_FEN)
LOCALES = ("zh-CN", "en")


class PrizeTierSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    face_value_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN))
    min_spend_fen = fields.Integer(strict=True, load_default=0, validate=FEN)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    probability = fields.Float(required=True, validate=validate.Range(0, 1, min_inclusive=False))


def _optional_fen():
    return fields.Integer(strict=True, load_default=None, allow_none=True,
                          validate=validate.Range(1, MAX_FEN))


# The fields kinds are made of, each declared once (API.md "Coupons"): every campaign may carry
# every one of them, and each kind says which it needs.
CAMPAIGN_FIELDS = {
    "face_value_fen": _optional_fen(),
    "min_spend_fen": fields.Integer(strict=True, load_default=0, validate=FEN),
    "percent_off": fields.Integer(strict=True, load_default=None, allow_none=True,
                                  validate=validate.Range(1, 99)),
    "cap_fen": _optional_fen(),
    "prize_tiers": fields.List(fields.Nested(PrizeTierSchema), load_default=list,
                               validate=validate.Length(max=20)),
}
# What a coupon is worth, as store pages list it and events carry it: the amounts above.
AMOUNT_FIELDS = tuple(name for name, field in CAMPAIGN_FIELDS.items()
                      if isinstance(field, fields.Integer))


def yuan(fen):
    """Fen as people read a price: 100 → "1", 150 → "1.5", 105 → "1.05"."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole}" if cents == 0 else f"{whole}.{cents:02d}".rstrip("0")


class Kind:
    """A coupon kind. A subclass sets ``name``, ``wording`` (locale → its phrases) and what it
    needs, and says its discount and its terms."""
    name = ""
    needs: tuple[str, ...] = ()  # campaign fields it cannot do without
    owns: tuple[str, ...] = ()  # campaign fields no other kind may carry
    draws_prizes = False  # each claim is a draw among prize tiers that have their own stock
    wording: dict = {}

    def problems(self, campaign):
        """Field → messages of its own checks of a loaded campaign body whose needed fields
        are all there."""
        return {}

    def discount_fen(self, campaign, coupon, order_fen):
        """What the coupon takes off an order that meets its minimum spend, in fen."""
        raise NotImplementedError

    def terms(self, coupon, locale):
        """The coupon's (or its campaign's) terms in ``locale``; "" when its amounts say
        nothing."""
        raise NotImplementedError


KINDS: dict[str, Kind] = {}  # name → Kind, in the order registered


def register(kind_class):
    """Class decorator: the kind is known by its name from now on."""
    KINDS[kind_class.name] = kind_class()
    return kind_class


def kind_of(campaign):
    """The Kind of a campaign (or of one of its coupons)."""
    return KINDS[campaign["kind"]]


# --- the kinds -----------------------------------------------------------------------------

MONEY_OFF = {
    "zh-CN": {"spend_off": "满{minimum}元减{face}元", "off": "立减{face}元"},
    "en": {"spend_off": "{face} yuan off orders of {minimum} yuan or more",
           "off": "{face} yuan off"},
}


def money_off_terms(coupon, locale):
    face, minimum = coupon.get("face_value_fen"), coupon.get("min_spend_fen")
    if not face:
        return ""
    phrase = MONEY_OFF[locale]["spend_off" if minimum else "off"]
    return phrase.format(face=yuan(face), minimum=yuan(minimum or 0))


@register
class Voucher(Kind):
    """满减: ``face_value_fen`` off an order of at least ``min_spend_fen`` (立减 with none)."""
    name = "voucher"
    needs = ("face_value_fen",)
    wording = MONEY_OFF

    def problems(self, campaign):
        if campaign["min_spend_fen"] and campaign["face_value_fen"] > campaign["min_spend_fen"]:
            return {"face_value_fen": ["cannot exceed min_spend_fen"]}
        return {}

    def discount_fen(self, campaign, coupon, order_fen):
        return min(coupon["face_value_fen"], order_fen)

    def terms(self, coupon, locale):
        return money_off_terms(coupon, locale)


@register
class Discount(Kind):
    """折扣: ``percent_off`` of the order, floored to the fen, at most ``cap_fen``."""
    name = "discount"
    needs = ("percent_off", "cap_fen")
    wording = {"zh-CN": "{tenths:g}折", "en": "{percent}% off"}  # 20% off is 八折 in Chinese

    def discount_fen(self, campaign, coupon, order_fen):
        return min(order_fen * campaign["percent_off"] // 100, campaign["cap_fen"])

    def terms(self, coupon, locale):
        percent = coupon.get("percent_off")
        if not percent:
            return ""
        return self.wording[locale].format(percent=percent, tenths=(100 - percent) / 10)


@register
class GroupBuy(Kind):
    """团购: the consumer pays ``face_value_fen`` for the deal; the discount is the rest of the
    order. The face value is a price, never an amount off."""
    name = "group_buy"
    needs = ("face_value_fen",)
    wording = {"zh-CN": "团购价{price}元", "en": "group-buy price {price} yuan"}

    def discount_fen(self, campaign, coupon, order_fen):
        return max(order_fen - campaign["face_value_fen"], 0)

    def terms(self, coupon, locale):
        price = coupon.get("face_value_fen")
        return "" if price is None else self.wording[locale].format(price=yuan(price))


@register
class LuckyDraw(Kind):
    """抽奖: each claim is a draw; a prize is a money-off coupon of its tier's face value and
    minimum spend (the campaign itself has no amounts to show)."""
    name = "lucky_draw"
    needs = ("prize_tiers",)
    owns = ("prize_tiers",)
    draws_prizes = True
    wording = MONEY_OFF

    def problems(self, campaign):
        tiers = campaign["prize_tiers"]
        if sum(tier["probability"] for tier in tiers) > 1 + 1e-9:
            return {"prize_tiers": ["probabilities add up to more than 1"]}
        if len({tier["name"] for tier in tiers}) != len(tiers):
            return {"prize_tiers": ["tier names must differ"]}
        return {}

    def discount_fen(self, campaign, coupon, order_fen):
        return min(coupon["face_value_fen"], order_fen)

    def terms(self, coupon, locale):
        return money_off_terms(coupon, locale)


# --- what the others ask -------------------------------------------------------------------

def known_kind(name):
    """Marshmallow validator of a campaign's ``kind``: a registered kind's name."""
    if name not in KINDS:
        raise ValidationError(f"Must be one of: {', '.join(KINDS)}.")


def _given(value):
    return value is not None and value != []


def problems(campaign):
    """Field → messages for what the kind of a loaded campaign body requires: its needed fields,
    no field another kind owns, then the kind's own checks."""
    kind = kind_of(campaign)
    found = {name: [f"a {kind.name} needs {name}"]
             for name in kind.needs if not _given(campaign.get(name))}
    complete = not found
    for other in KINDS.values():
        found.update({name: [f"only a {other.name} has {name}"] for name in other.owns
                      if other is not kind and _given(campaign.get(name))})
    if complete:
        found.update(kind.problems(campaign))
    return found


def terms(coupon, locale):
    """How a coupon or campaign (a dict with ``kind`` and amounts) reads in ``locale``. One that
    names no known kind reads as the first kind its amounts say something for."""
    kind = KINDS.get(coupon.get("kind"))
    if kind is not None:
        return kind.terms(coupon, locale)
    return next((text for kind in KINDS.values() if (text := kind.terms(coupon, locale))), "")


def amounts(coupon):
    """The amounts of a coupon (or campaign) by ``AMOUNT_FIELDS``, None where it has none."""
    return {name: coupon.get(name) for name in AMOUNT_FIELDS}
