"""The public store page's shape (services/registry/store_page.py), for /openapi.json."""
from marshmallow import Schema, fields

from contracts.schemas.registry import LocationSchema
from contracts.schemas.trust_grade import TrustGradeSchema


class StoreBadgeSchema(Schema):
    status = fields.String(required=True)
    label_zh = fields.String(required=True)
    label = fields.String(metadata={"description": "in the answer's language (Content-Language)"})
    tone = fields.String(required=True, metadata={"enum": ["good", "warn", "bad", "neutral"]})
    notice_zh = fields.String(required=True, allow_none=True, metadata={
        "description": "shown prominently when the unit is not (or no longer) in good standing"})
    notice = fields.String(allow_none=True, metadata={
        "description": "notice_zh in the answer's language"})


class StoreRatingSchema(Schema):
    count = fields.Integer(required=True)
    average = fields.Float(required=True, allow_none=True,
                           metadata={"description": "1 decimal; null unrated"})


class StoreLicenceSchema(Schema):
    kind = fields.String()
    kind_label = fields.String()
    number = fields.String()
    valid_until = fields.Date()
    expired = fields.Boolean()


class StoreCommitmentSchema(Schema):
    key = fields.String()
    label_zh = fields.String()
    label = fields.String(metadata={"description": "in the answer's language"})
    days = fields.Integer(metadata={"description": "only for no_reason_return_days"})


class StarsNoteSchema(Schema):
    reason = fields.String(allow_none=True)
    at = fields.String(metadata={"description": "RFC 3339"})


class StorePageSchema(Schema):
    store_code = fields.String(required=True)
    locale = fields.String(metadata={
        "enum": ["zh-CN", "en"],
        "description": "the language of the labels, from Accept-Language (zh-CN by default)"})
    merchant_id = fields.String(required=True)
    name = fields.String(required=True)
    unit_type = fields.String(required=True)
    unit_type_label = fields.String(required=True)
    industry = fields.String(required=True)
    industry_label = fields.String(required=True)
    region = fields.String(required=True)
    address = fields.String(required=True)
    location = fields.Nested(LocationSchema, required=True, allow_none=True)
    status = fields.String(required=True)
    badge = fields.Nested(StoreBadgeSchema, required=True)
    stars = fields.Integer(required=True, metadata={
        "description": "0..5: the grade's from the last yearly re-evaluation, or a regulator's"})
    stars_set_by_regulator = fields.Nested(StarsNoteSchema, allow_none=True, metadata={
        "description": "a regulator's stars over the computed grade's, with the reason"})
    rating = fields.Nested(StoreRatingSchema, required=True)
    licences = fields.List(fields.Nested(StoreLicenceSchema), required=True)
    commitments = fields.List(fields.Nested(StoreCommitmentSchema), required=True,
                              metadata={"description": "only the promises the unit makes"})
    complaints = fields.Dict(metadata={"description": "12-month complaint figures; absent "
                                                      "when the complaints service has none"})
    coupons = fields.List(fields.Dict(), metadata={"description": "active coupons, each with "
                                                                  "its claim_url; absent when "
                                                                  "there are none"})
    hotline = fields.String(required=True, metadata={"description": "always 12315"})
    complaint_url = fields.String(required=True, metadata={
        "description": "where 我要投诉 leads (STORE_PAGE_COMPLAINT_URL)"})
    rate_url = fields.String(required=True, metadata={
        "description": "where 评价 leads (STORE_PAGE_RATE_URL)"})
    red_listed = fields.Boolean(required=True)
    black_listed = fields.Boolean(required=True)
    trust_grade = fields.Nested(TrustGradeSchema, required=True, allow_none=True, metadata={
        "description": "the computed trust grade and why (README \"The trust grade\"); null "
                       "until the unit is graded, and for units neither certified nor warned"})
    updated_at = fields.String(required=True, allow_none=True)
