"""The coupons service's request and response shapes."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from plumbing.schema_fields import SaneAwareDateTime
from services.registry.catalogue import INDUSTRIES
from services.registry.schemas import region_code

KINDS = ["voucher", "discount", "group_buy", "lucky_draw"]
MAX_FEN = 100_000_000  # ¥1 million per coupon is far above any consumption voucher
ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}\Z")
FEN = validate.Range(0, MAX_FEN)


class EligibilitySchema(Schema):
    regions = fields.List(fields.String(validate=region_code), load_default=list,
                          validate=validate.Length(max=200))
    industries = fields.List(fields.String(validate=validate.OneOf(sorted(INDUSTRIES))),
                             load_default=list)
    merchant_ids = fields.List(fields.String(validate=ID), load_default=list,
                               validate=validate.Length(max=10_000))


class PrizeTierSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 50))
    face_value_fen = fields.Integer(required=True, strict=True, validate=validate.Range(1, MAX_FEN))
    min_spend_fen = fields.Integer(strict=True, load_default=0, validate=FEN)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    probability = fields.Float(required=True, validate=validate.Range(0, 1, min_inclusive=False))


class CampaignSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    face_value_fen = fields.Integer(strict=True, load_default=None, allow_none=True,
                                    validate=validate.Range(1, MAX_FEN))
    min_spend_fen = fields.Integer(strict=True, load_default=0, validate=FEN)
    percent_off = fields.Integer(strict=True, load_default=None, allow_none=True,
                                 validate=validate.Range(1, 99))
    cap_fen = fields.Integer(strict=True, load_default=None, allow_none=True,
                             validate=validate.Range(1, MAX_FEN))
    prize_tiers = fields.List(fields.Nested(PrizeTierSchema), load_default=list,
                              validate=validate.Length(max=20))
    total_quantity = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(1, 10_000_000))
    per_consumer_limit = fields.Integer(strict=True, load_default=1,
                                        validate=validate.Range(1, 100))
    claim_starts_at = SaneAwareDateTime(required=True)
    claim_ends_at = SaneAwareDateTime(required=True)
    valid_days = fields.Integer(strict=True, load_default=None, allow_none=True,
                                validate=validate.Range(1, 366))
    valid_until = SaneAwareDateTime(load_default=None, allow_none=True)
    eligibility = fields.Nested(EligibilitySchema, load_default=lambda: EligibilitySchema().load({}))
    funding = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _consistent(self, data, **kwargs):
        problems = kind_problems(data)
        if data["claim_ends_at"] <= data["claim_starts_at"]:
            problems["claim_ends_at"] = ["must be after claim_starts_at"]
        if (data.get("valid_days") is None) == (data.get("valid_until") is None):
            problems["valid_days"] = ["give valid_days or valid_until"]
        elif data.get("valid_until") and data["valid_until"] <= data["claim_starts_at"]:
            problems["valid_until"] = ["must be after claim_starts_at"]
        if problems:
            raise ValidationError(problems)


def kind_problems(data):
    """Field → messages for what the campaign's kind requires."""
    kind, problems = data["kind"], {}
    if kind in ("voucher", "group_buy") and data.get("face_value_fen") is None:
        problems["face_value_fen"] = [f"a {kind} needs face_value_fen"]
    if kind == "voucher" and data.get("face_value_fen") and data["min_spend_fen"] and \
            data["face_value_fen"] > data["min_spend_fen"]:
        problems["face_value_fen"] = ["cannot exceed min_spend_fen"]
    if kind == "discount":
        for name in ("percent_off", "cap_fen"):
            if data.get(name) is None:
                problems[name] = ["a discount needs percent_off and cap_fen"]
    if kind == "lucky_draw":
        tiers = data.get("prize_tiers") or []
        if not tiers:
            problems["prize_tiers"] = ["a lucky draw needs prize tiers"]
        elif sum(t["probability"] for t in tiers) > 1 + 1e-9:
            problems["prize_tiers"] = ["probabilities add up to more than 1"]
        elif len({t["name"] for t in tiers}) != len(tiers):
            problems["prize_tiers"] = ["tier names must differ"]
    elif data.get("prize_tiers"):
        problems["prize_tiers"] = ["only a lucky draw has prize tiers"]
    return problems


class ClaimSchema(Schema):
    merchant_id = fields.String(validate=ID)


class RedemptionSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 64))
    order_amount_fen = fields.Integer(required=True, strict=True,
                                      validate=validate.Range(1, MAX_FEN * 100))


class RollbackSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class CampaignQuerySchema(Schema):
    region = fields.String(validate=region_code)
    merchant_id = fields.String(validate=ID)
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


CAMPAIGN_STATUSES = ["draft", "scheduled", "active", "paused", "ended", "cancelled"]


class CampaignMoveSchema(Schema):
    at = fields.String()
    from_ = fields.String(allow_none=True, data_key="from")
    to = fields.String()
    by = fields.String()
    reason = fields.String(allow_none=True)


class CampaignViewSchema(CampaignSchema):
    campaign_id = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": CAMPAIGN_STATUSES})
    created_by = fields.String(required=True)
    updated_at = fields.String(required=True)
    history = fields.List(fields.Nested(CampaignMoveSchema), required=True)
    remaining = fields.Integer(required=True)
    created_at = fields.String(required=True)


class CouponSchema(Schema):
    coupon_id = fields.String(required=True, allow_none=True)
    code = fields.String(required=True, allow_none=True)
    campaign_id = fields.String(required=True)
    campaign_name = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    prize = fields.String(required=True, allow_none=True)
    face_value_fen = fields.Integer(required=True, allow_none=True)
    min_spend_fen = fields.Integer(required=True)
    claimed_at = fields.String(required=True)
    expires_at = fields.String(required=True, allow_none=True)
    redemption_id = fields.String(allow_none=True)
    redeemed_at = fields.String(allow_none=True)
    redemption = fields.Nested(lambda: RedemptionResultSchema(), allow_none=True)


class RedemptionResultSchema(Schema):
    redemption_id = fields.String(required=True)
    coupon_id = fields.String(required=True)
    campaign_id = fields.String()
    merchant_id = fields.String()
    merchant_name = fields.String()
    at = fields.String()
    order_amount_fen = fields.Integer()
    discount_fen = fields.Integer()
    status = fields.String(required=True)


class CouponPageSchema(Schema):
    items = fields.List(fields.Nested(CouponSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class CampaignPageSchema(Schema):
    items = fields.List(fields.Nested(CampaignViewSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class MerchantFiguresSchema(Schema):
    merchant_id = fields.String()
    merchant_name = fields.String()
    redemptions = fields.Integer()
    order_fen = fields.Integer()
    discount_fen = fields.Integer()


class CampaignStatsSchema(Schema):
    campaign_id = fields.String()
    issued = fields.Integer()
    redeemed = fields.Integer()
    remaining = fields.Integer()
    discount_fen = fields.Integer()
    order_fen = fields.Integer()
    leverage = fields.Float(allow_none=True, metadata={
        "description": "order value ÷ discount, 2 decimals; null before any redemption"})
    per_merchant = fields.List(fields.Nested(MerchantFiguresSchema), metadata={
        "description": "one row per merchant, in merchant id order, a page of them "
                       "(`cursor`, `limit`: 100 by default)"})
    per_merchant_next_cursor = fields.String(allow_none=True, metadata={
        "description": "the `cursor` of the next page of `per_merchant`; null on the last"})
