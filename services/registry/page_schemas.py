"""The public store page's shape (services/registry/store_page.py), for /openapi.json."""
from marshmallow import Schema, fields

from services.registry.schemas import LocationSchema


class StoreBadgeSchema(Schema):
    status = fields.String()
    label_zh = fields.String()
    label = fields.String(metadata={"description": "in the answer's language (Content-Language)"})
    tone = fields.String(metadata={"enum": ["good", "warn", "bad", "neutral"]})
    notice_zh = fields.String(allow_none=True, metadata={
        "description": "shown prominently when the unit is not (or no longer) in good standing"})
    notice = fields.String(allow_none=True, metadata={
        "description": "notice_zh in the answer's language"})


class StoreRatingSchema(Schema):
    count = fields.Integer()
    average = fields.Float(allow_none=True, metadata={"description": "1 decimal; null unrated"})


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


class StorePageSchema(Schema):
    store_code = fields.String()
    locale = fields.String(metadata={
        "enum": ["zh-CN", "en"],
        "description": "the language of the labels, from Accept-Language (zh-CN by default)"})
    merchant_id = fields.String()
    name = fields.String()
    unit_type = fields.String()
    unit_type_label = fields.String()
    industry = fields.String()
    industry_label = fields.String()
    region = fields.String()
    address = fields.String()
    location = fields.Nested(LocationSchema, allow_none=True)
    status = fields.String()
    badge = fields.Nested(StoreBadgeSchema)
    stars = fields.Integer(metadata={"description": "0..5"})
    rating = fields.Nested(StoreRatingSchema)
    licences = fields.List(fields.Nested(StoreLicenceSchema))
    commitments = fields.List(fields.Nested(StoreCommitmentSchema),
                              metadata={"description": "only the promises the unit makes"})
    complaints = fields.Dict(metadata={"description": "12-month complaint figures; absent "
                                                      "when the complaints service has none"})
    coupons = fields.List(fields.Dict(), metadata={"description": "active coupons, each with "
                                                                  "its claim_url; absent when "
                                                                  "there are none"})
    hotline = fields.String(metadata={"description": "always 12315"})
    complaint_url = fields.String(metadata={"description": "where 我要投诉 leads "
                                                           "(STORE_PAGE_COMPLAINT_URL)"})
    rate_url = fields.String(metadata={"description": "where 评价 leads (STORE_PAGE_RATE_URL)"})
    red_listed = fields.Boolean()
    black_listed = fields.Boolean()
    updated_at = fields.String(allow_none=True)
