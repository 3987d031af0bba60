"""The coupons service's events: versioned contracts of their data (plumbing/event_contracts.py)."""
from marshmallow import Schema, fields

from contracts.coupon_kinds import AMOUNT_FIELDS, KINDS
from contracts.schemas.coupons import CashOutSignalSchema
from plumbing.event_contracts import (
    catalogue,
    contract_maker,
    envelope_maker,
    one_of,
    region_code,
    utc_time,
)

SOURCE = "coupons"
CAMPAIGN_STATUSES = ("draft", "scheduled", "active", "paused", "ended", "cancelled")


class CampaignStatusChangedSchema(Schema):
    campaign_id = fields.String(required=True)
    from_ = one_of(*CAMPAIGN_STATUSES, required=True, data_key="from")
    to = one_of(*CAMPAIGN_STATUSES, required=True)
    reason = fields.String(required=True, metadata={
        "description": "the operator's sub, schedule, sold_out or the claim window's end"})
    name = fields.String(required=True)


class CouponClaimedSchema(Schema):
    """The coupon with what it is worth: its kind and amounts (contracts/coupon_kinds.py), a
    lucky draw's face value and minimum spend being its prize's."""

    class Meta:
        include = {name: fields.Integer(required=True, strict=True, allow_none=True)
                   for name in AMOUNT_FIELDS}

    coupon_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    consumer = fields.String(required=True, metadata={"description": "the consumer's sub"})
    campaign_name = fields.String(required=True)
    prize = fields.String(required=True, allow_none=True, metadata={
        "description": "the prize tier's name of a lucky draw; null for other kinds"})
    kind = fields.String(required=True, metadata={
        "description": f"the campaign's kind: {', '.join(KINDS)}, or one added since (word an "
                       "unknown one by its amounts)"})
    expires_at = utc_time(required=True)
    regions = fields.List(region_code(), required=True, metadata={
        "description": "the campaign's eligible regions (empty: everywhere)"})


class BallotWonSchema(CouponClaimedSchema):
    """A winner's coupon, issued by the ballot's draw."""
    signup_id = fields.String(required=True, metadata={
        "description": "the winning sign-up's id in the published list"})
    group = fields.String(required=True, allow_none=True, metadata={
        "description": "the quota group whose slot it won; null for the open draw"})
    draw = fields.Integer(load_default=0, metadata={
        "description": "the draw it won (one per tranche, from 0)"})


class SettlementHeldSchema(Schema):
    """A merchant's cash-out signals crossed: its settlement of the campaign is held until an
    operator releases it, and a spot check is proposed."""
    campaign_id = fields.String(required=True)
    campaign_name = fields.String(required=True)
    merchant_id = fields.String(required=True)
    merchant_name = fields.String(required=True)
    region = fields.String(required=True, metadata={"description": "the merchant's region"})
    signals = fields.List(fields.Nested(CashOutSignalSchema), required=True)
    held_at = utc_time(required=True)
    spot_check_proposed = fields.Boolean(required=True)


class SettlementReleasedSchema(Schema):
    """An operator cleared a held settlement: the merchant is paid at the next settlement."""
    campaign_id = fields.String(required=True)
    campaign_name = fields.String(load_default="")
    merchant_id = fields.String(required=True)
    merchant_name = fields.String(load_default="")
    region = fields.String(required=True)
    by = fields.String(required=True, metadata={"description": "the operator's sub"})
    reason = fields.String(required=True)
    released_at = utc_time(load_default=None, allow_none=True)


class CouponRedeemedSchema(Schema):
    coupon_id = fields.String(required=True)
    campaign_id = fields.String(required=True)
    consumer = fields.String(required=True)
    merchant_id = fields.String(required=True)
    redemption_id = fields.String(required=True)
    discount_fen = fields.Integer(required=True, strict=True)
    order_amount_fen = fields.Integer(required=True, strict=True)


class RolledBackSchema(Schema):
    coupon_id = fields.String(required=True)
    redemption_id = fields.String(required=True)
    merchant_id = fields.String(required=True)
    reason = fields.String(required=True)


class CouponExpiringSchema(Schema):
    coupon_id = fields.String(required=True)
    consumer = fields.String(required=True)
    campaign_id = fields.String(required=True)
    expires_at = utc_time(required=True)


COUPON, CAMPAIGN = "c0ff33aa11bb22cc", "ca3pa1g9"
EXPIRES = "2026-12-01T15:59:59.000000Z"


contract = contract_maker(SOURCE)


CONTRACTS = catalogue(
    contract("campaign_status_changed", CampaignStatusChangedSchema,
             "A campaign moved: activated, scheduled, paused, resumed, ended or cancelled.",
             {"campaign_id": CAMPAIGN, "from": "scheduled", "to": "active", "reason": "schedule",
              "name": "国庆餐饮消费券"}),
    contract("coupon_claimed", CouponClaimedSchema, "A consumer claimed a coupon.",
             {"coupon_id": COUPON, "campaign_id": CAMPAIGN, "consumer": "c-1029",
              "campaign_name": "国庆餐饮消费券", "prize": None, "kind": "voucher",
              "face_value_fen": 2000, "min_spend_fen": 10000, "percent_off": None,
              "cap_fen": None, "expires_at": EXPIRES, "regions": ["330100"]}),
    contract("ballot_won", BallotWonSchema,
             "A consumer's sign-up won a ballot's draw: its coupon is issued.",
             {"coupon_id": COUPON, "campaign_id": CAMPAIGN, "consumer": "c-1029",
              "campaign_name": "春节餐饮消费券（摇号）", "prize": None, "kind": "voucher",
              "face_value_fen": 2000, "min_spend_fen": 10000, "percent_off": None,
              "cap_fen": None, "expires_at": EXPIRES, "regions": ["330100"],
              "signup_id": "9f3c0a7b12d45e68", "group": None}),
    contract("settlement_held", SettlementHeldSchema,
             "A merchant's settlement of a campaign is held for its cash-out signals.",
             {"campaign_id": CAMPAIGN, "campaign_name": "国庆餐饮消费券",
              "merchant_id": "3f1c9a2b7d4e", "merchant_name": "湖滨小吃店", "region": "330106",
              "signals": [
                  {"code": "clustered_amounts", "value": 0.92, "threshold": 0.6, "fired": True,
                   "explanation": "92% of its redemptions are orders just above the minimum "
                                  "spend (the threshold is 60%)"},
                  {"code": "soon_after_claim", "value": 0.85, "threshold": 0.5, "fired": True,
                   "explanation": "85% of its redemptions came right after the coupon was "
                                  "claimed (the threshold is 50%)"}],
              "held_at": EXPIRES, "spot_check_proposed": True}),
    contract("settlement_released", SettlementReleasedSchema,
             "An operator released a held settlement.",
             {"campaign_id": CAMPAIGN, "campaign_name": "国庆餐饮消费券",
              "merchant_id": "3f1c9a2b7d4e", "merchant_name": "西湖放心面馆",
              "region": "330106", "by": "operator-7", "reason": "现场核查为真实交易",
              "released_at": EXPIRES}),
    contract("coupon_redeemed", CouponRedeemedSchema, "A merchant redeemed a coupon at the till.",
             {"coupon_id": COUPON, "campaign_id": CAMPAIGN, "consumer": "c-1029",
              "merchant_id": "3f1c9a2b7d4e", "redemption_id": "r-77", "discount_fen": 2000,
              "order_amount_fen": 12800}),
    contract("coupon_redemption_rolled_back", RolledBackSchema,
             "A redemption was undone (a refund); the coupon is usable again.",
             {"coupon_id": COUPON, "redemption_id": "r-77", "merchant_id": "3f1c9a2b7d4e",
              "reason": "顾客退货"}),
    contract("coupon_expiring", CouponExpiringSchema, "An unused coupon expires soon.",
             {"coupon_id": COUPON, "consumer": "c-1029", "campaign_id": CAMPAIGN,
              "expires_at": EXPIRES}),
)


# (type, data) pairs → their envelopes, each checked against its contract
envelopes = envelope_maker(SOURCE, CONTRACTS)
