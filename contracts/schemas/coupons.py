"""The coupons service's request and response shapes."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import coupon_kinds
from contracts.catalogue import INDUSTRIES
from contracts.coupon_kinds import MAX_FEN
from contracts.fields import SaneAwareDateTime
from contracts.identifiers import consumer_tag, region_code

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}\Z")


class EligibilitySchema(Schema):
    regions = fields.List(fields.String(validate=region_code), load_default=list,
                          validate=validate.Length(max=200))
    industries = fields.List(fields.String(validate=validate.OneOf(sorted(INDUSTRIES))),
                             load_default=list)
    merchant_ids = fields.List(fields.String(validate=ID), load_default=list,
                               validate=validate.Length(max=10_000))


ALLOCATIONS = ("first_come", "ballot")
MAX_QUOTA_MEMBERS = 10_000


class QuotaSchema(Schema):
    """Slots of a ballot set aside for a group of consumers, drawn among them first: the
    consumers it lists, or those whose token carries its tag."""
    group = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}\Z"))
    slots = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    consumers = fields.List(fields.String(validate=validate.Length(1, 128)),
                            validate=validate.Length(1, MAX_QUOTA_MEMBERS), metadata={
                                "description": "the subs of the group's members"})
    tag = fields.String(validate=consumer_tag, metadata={
        "description": "instead of consumers: a tag the identity provider puts in the "
                       "members' tokens (their tags claim)"})

    @validates_schema
    def _members(self, data, **kwargs):
        if ("consumers" in data) == ("tag" in data):
            raise ValidationError("give consumers or a tag", "consumers")


class TrancheSchema(Schema):
    """A part of the stock, released at ``starts_at``; for a ballot, the draw at
    ``starts_at`` of the sign-ups made before it."""
    starts_at = SaneAwareDateTime(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10_000_000))
    budget_fen = fields.Integer(strict=True, validate=validate.Range(1, MAX_FEN * 10_000_000),
                                metadata={"description": "the part of the campaign's budget "
                                          "released with it (on every tranche or none)"})


class CampaignSchema(Schema):
    """A campaign body; the fields of its kind and their checks are contracts/coupon_kinds.py's."""

    class Meta:
        include = coupon_kinds.CAMPAIGN_FIELDS

    name = fields.String(required=True, validate=validate.Length(1, 100))
    kind = fields.String(required=True, validate=coupon_kinds.known_kind,
                         metadata={"enum": list(coupon_kinds.KINDS)})
    total_quantity = fields.Integer(required=True, strict=True,
                                    validate=validate.Range(1, 10_000_000))
    per_consumer_limit = fields.Integer(strict=True, load_default=1,
                                        validate=validate.Range(1, 100))
    claim_starts_at = SaneAwareDateTime(required=True)
    claim_ends_at = SaneAwareDateTime(required=True)
    valid_days = fields.Integer(strict=True, load_default=None, allow_none=True,
                                validate=validate.Range(1, 366))
    valid_until = SaneAwareDateTime(load_default=None, allow_none=True)
    eligibility = fields.Nested(EligibilitySchema,
                                load_default=lambda: EligibilitySchema().load({}))
    funding = fields.String(load_default="", validate=validate.Length(max=200))
    budget_fen = fields.Integer(strict=True, load_default=None, allow_none=True,
                                validate=validate.Range(1, MAX_FEN * 10_000_000), metadata={
                                    "description": "the most the campaign's discounts may add "
                                                   "up to; null: bounded by the coupons alone"})
    merchant_daily_cap_fen = fields.Integer(
        strict=True, load_default=None, allow_none=True,
        validate=validate.Range(1, MAX_FEN * 10_000_000), metadata={
            "description": "the most one merchant's redemptions may take off in a day (China "
                           "Standard Time); null: no cap"})
    allocation = fields.String(load_default="first_come", validate=validate.OneOf(ALLOCATIONS),
                               metadata={"description": "first_come: claims while stock lasts; "
                                         "ballot: sign-ups in the claim window, then a draw"})
    draw_at = SaneAwareDateTime(load_default=None, allow_none=True, metadata={
        "description": "a ballot's draw (at or after claim_ends_at; by default claim_ends_at)"})
    quotas = fields.List(fields.Nested(QuotaSchema), load_default=list,
                         validate=validate.Length(max=20))
    tranches = fields.List(fields.Nested(TrancheSchema), load_default=list,
                           validate=validate.Length(max=50), metadata={
                               "description": "the stock released in parts, each at its time "
                                              "(what one leaves unclaimed stays for the next); "
                                              "a ballot draws once per tranche, at its start, "
                                              "the losers carried into the next draw with one "
                                              "more ticket; the quantities add up to "
                                              "total_quantity"})

    @validates_schema
    def _consistent(self, data, **kwargs):
        problems = {**coupon_kinds.problems(data), **ballot_problems(data),
                    **tranche_problems(data)}
        if data["claim_ends_at"] <= data["claim_starts_at"]:
            problems["claim_ends_at"] = ["must be after claim_starts_at"]
        if (data.get("valid_days") is None) == (data.get("valid_until") is None):
            problems["valid_days"] = ["give valid_days or valid_until"]
        elif data.get("valid_until") and data["valid_until"] <= data["claim_starts_at"]:
            problems["valid_until"] = ["must be after claim_starts_at"]
        if problems:
            raise ValidationError(problems)


def tranche_problems(data):
    """What is wrong with a campaign's tranches: {field: [messages]}."""
    tranches = data.get("tranches") or []
    if not tranches:
        return {}
    starts = [t["starts_at"] for t in tranches]
    if coupon_kinds.kind_of(data).draws_prizes:
        return {"tranches": ["tranches are for campaigns without prize tiers"]}
    if sum(t["quantity"] for t in tranches) != data["total_quantity"]:
        return {"tranches": ["the quantities must add up to total_quantity"]}
    if starts != sorted(set(starts)) or starts[0] < data["claim_starts_at"]:
        return {"tranches": ["each starts after the one before, within the claim window"]}
    budgets = [t.get("budget_fen") for t in tranches]
    if any(b is not None for b in budgets) and (
            None in budgets or sum(budgets) != data.get("budget_fen")):
        return {"tranches": ["budget_fen on every tranche or none, adding up to the "
                             "campaign's budget_fen"]}
    if data.get("allocation") == "ballot":
        return _ballot_tranche_problems(data, starts)
    if starts[-1] >= data["claim_ends_at"]:
        return {"tranches": ["each starts after the one before, within the claim window"]}
    return {}


def _ballot_tranche_problems(data, starts):
    """A ballot draws at each tranche's start; the last draw takes every sign-up left."""
    if starts[-1] < data["claim_ends_at"]:
        return {"tranches": ["a ballot's last tranche is drawn at or after claim_ends_at"]}
    if data.get("draw_at") and data["draw_at"] != starts[-1]:
        return {"draw_at": ["a ballot with tranches draws last at its last tranche's start"]}
    return {}


def ballot_problems(data):
    """What is wrong with a campaign's ballot fields: {field: [messages]}."""
    if data.get("allocation") != "ballot":
        return {"allocation": ["draw_at and quotas are for ballots"]} \
            if data.get("draw_at") or data.get("quotas") else {}
    problems = {}
    if coupon_kinds.kind_of(data).draws_prizes:
        problems["kind"] = ["a ballot's coupons are drawn already: not a lucky draw"]
    if data.get("per_consumer_limit", 1) != 1:
        problems["per_consumer_limit"] = ["a ballot gives one coupon per sign-up"]
    if data.get("draw_at") and data["draw_at"] < data["claim_ends_at"]:
        problems["draw_at"] = ["must be at or after claim_ends_at"]
    groups = [quota["group"] for quota in data.get("quotas", [])]
    if len(set(groups)) < len(groups):
        problems["quotas"] = ["each group once"]
    elif sum(quota["slots"] for quota in data.get("quotas", [])) > data["total_quantity"]:
        problems["quotas"] = ["more slots than coupons"]
    return problems


class ClaimSchema(Schema):
    merchant_id = fields.String(validate=ID)


class RedemptionSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 64))
    order_amount_fen = fields.Integer(required=True, strict=True,
                                      validate=validate.Range(1, MAX_FEN * 100))


class RollbackSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=500))


class ReleaseSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(1, 500))


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
    tranches_released = fields.Integer(metadata={
        "description": "how many of the tranches the stock has received"})
    ballot = fields.Dict(allow_none=True, metadata={
        "description": "a ballot's commitment and state (as GET /api/v1/public/campaigns/"
                       "{id}/ballot shows it, without the seed)"})


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
    budget_fen = fields.Integer(allow_none=True)
    budget_released_fen = fields.Integer(allow_none=True, metadata={
        "description": "the part of the budget its redemptions may take by now: all of it, or "
                       "with budgets per tranche those of the tranches started"})
    budget_spent_fen = fields.Integer(allow_none=True, metadata={
        "description": "the discounts the budget has paid or holds for redemptions under way; "
                       "null without a budget"})
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


SIGNUP_RESULTS = ["pending", "won", "lost"]
BALLOT_STATES = ["open", "issuing", "drawn"]


class SignupSchema(Schema):
    signup_id = fields.String(required=True, metadata={
        "description": "its id in the lists published after the draws"})
    campaign_id = fields.String(required=True)
    group = fields.String(required=True, allow_none=True, metadata={
        "description": "the quota group it is drawn in first; null for none"})
    weight = fields.Integer(required=True, metadata={
        "description": "its tickets in the draw it is in next (one more per draw lost)"})
    signed_up_at = fields.String(required=True)
    result = fields.String(required=True, metadata={
        "enum": SIGNUP_RESULTS, "description": "won once its coupon is out; lost once no "
                                               "draw it could be in is left; else pending"})
    coupon_id = fields.String(required=True, allow_none=True)


class BallotQuotaSchema(Schema):
    group = fields.String(required=True)
    slots = fields.Integer(required=True)


class BallotDrawSchema(Schema):
    """One of a ballot's draws: what it was for, its commitment, and once its coupons are out
    its seed and what it read (the list is GET …/ballot/signups.csv?draw=N)."""
    draw = fields.Integer(required=True, metadata={"description": "from 0, one per tranche"})
    starts_at = fields.String(required=True, metadata={
        "description": "its time: it takes the sign-ups made before it"})
    tranche = fields.Integer(required=True, metadata={"description": "the coupons it adds"})
    state = fields.String(required=True, metadata={"enum": BALLOT_STATES})
    commitment = fields.String(required=True, metadata={
        "description": "SHA-256 of its seed (hex), published from the campaign's creation"})
    seed = fields.String(required=True, allow_none=True, metadata={
        "description": "the seed (hex) once its winners' coupons are out"})
    coupons = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the coupons it drew: the tranches so far less the earlier winners"})
    slots = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        allow_none=True, metadata={
                            "description": "each group's slots in it: its quota less what "
                                           "earlier draws gave the group"})
    signups = fields.Integer(required=True, allow_none=True)
    winners = fields.Integer(required=True, allow_none=True)
    signups_digest = fields.String(required=True, allow_none=True, metadata={
        "description": "SHA-256 of its signups.csv as the draw read it"})
    drawn_at = fields.String(required=True, allow_none=True)


class BallotSchema(Schema):
    """A ballot as anyone may check it (docs/coupons.md, "Ballots")."""
    campaign_id = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": CAMPAIGN_STATUSES})
    state = fields.String(required=True, metadata={"enum": BALLOT_STATES})
    coupons = fields.Integer(required=True)
    quotas = fields.List(fields.Nested(BallotQuotaSchema), required=True)
    claim_ends_at = fields.String(required=True, metadata={"description": "sign-ups end"})
    draw_at = fields.String(required=True, metadata={"description": "the last draw"})
    draws = fields.List(fields.Nested(BallotDrawSchema), required=True)


CASH_OUT_SIGNALS = ("clustered_amounts", "repeat_pairs", "soon_after_claim", "outsized_share")


class CashOutSignalSchema(Schema):
    """One cash-out signal of a merchant (docs/coupons.md, "Cash-out checks")."""
    code = fields.String(required=True, validate=validate.OneOf(CASH_OUT_SIGNALS),
                         metadata={"enum": list(CASH_OUT_SIGNALS)})
    value = fields.Float(required=True)
    threshold = fields.Float(required=True)
    fired = fields.Boolean(required=True)
    explanation = fields.String(required=True)


class HoldSchema(Schema):
    campaign_id = fields.String(required=True)
    campaign_name = fields.String()
    merchant_id = fields.String(required=True)
    merchant_name = fields.String()
    region = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["held", "released"]})
    held_at = fields.String(required=True)
    signals = fields.List(fields.Nested(CashOutSignalSchema), required=True, metadata={
        "description": "the signals as they stood when it was held"})
    released_at = fields.String(required=True, allow_none=True)
    released_by = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    released_fen = fields.Integer(allow_none=True, metadata={
        "description": "once released: the discounts of the days that became final while it "
                       "stood, paid with the day of the release"})
    paid_with = fields.String(allow_none=True, metadata={
        "description": "once released: the day (YYYY-MM-DD, China Standard Time) whose "
                       "settlement pays released_fen, in a row held \"released\""})


class CashOutRowSchema(MerchantFiguresSchema):
    near_min_spend = fields.Integer(metadata={
        "description": "redemptions whose order was just above the minimum spend"})
    soon_after_claim = fields.Integer(metadata={
        "description": "redemptions made soon after their coupon's claim"})
    signals = fields.List(fields.Nested(CashOutSignalSchema), required=True)
    hold = fields.Nested(HoldSchema, required=True, allow_none=True)


class CashOutPageSchema(Schema):
    items = fields.List(fields.Nested(CashOutRowSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
