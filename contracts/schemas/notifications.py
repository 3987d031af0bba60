"""The notifications service's request and response shapes."""
from marshmallow import Schema, fields, validate

from contracts.catalogue import COMPLAINT_CATEGORIES as CATEGORIES
from contracts.catalogue import INDUSTRIES
from contracts.catalogue import NOTIFICATION_CHANNELS as CHANNELS
from contracts.catalogue import NOTIFICATION_TOPICS as TOPICS
from contracts.identifiers import PHONE, region_code


class NotificationSchema(Schema):
    notification_id = fields.String(required=True)
    recipient = fields.String(required=True)
    topic = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    event_type = fields.String(required=True)
    event_id = fields.String(required=True)
    created_at = fields.String(required=True)
    read_at = fields.String(required=True, allow_none=True)
    read = fields.Boolean(required=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ContactsSchema(Schema):
    email = fields.Email(allow_none=True)
    phone = fields.String(allow_none=True, validate=PHONE)
    wechat_openid = fields.String(allow_none=True, validate=validate.Regexp(
        r"^[A-Za-z0-9_-]{1,64}\Z"))


class PreferencesSchema(Schema):
    recipient = fields.String(dump_only=True, metadata={
        "description": "whose preferences: a sub, or a merchant_id for a merchant's accounts"})
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(["zh-CN", "en"]))
    region = fields.String(load_default=None, allow_none=True, validate=region_code)
    contacts = fields.Nested(ContactsSchema, load_default=dict)
    opt_out = fields.Dict(keys=fields.String(validate=validate.OneOf(TOPICS)),
                          values=fields.List(fields.String(validate=validate.OneOf(CHANNELS)),
                                             validate=validate.Length(max=len(CHANNELS))),
                          load_default=dict)


class WarningDraftSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 100))
    body = fields.String(required=True, validate=validate.Length(1, 5000))
    region = fields.String(required=True, validate=region_code)
    industry = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(sorted(INDUSTRIES)))
    category = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(CATEGORIES))
    hotspot_id = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(1, 64))


class FanoutSchema(Schema):
    audience = fields.Integer()
    delivered = fields.Integer()
    throttled = fields.Integer()


class WarningSchema(WarningDraftSchema):
    warning_id = fields.String(required=True)
    status = fields.String(required=True)
    created_by = fields.String()
    created_at = fields.String(required=True)
    published_at = fields.String(required=True, allow_none=True)
    published_by = fields.String(allow_none=True)
    fanout = fields.Nested(FanoutSchema, allow_none=True)


class WarningPageSchema(Schema):
    items = fields.List(fields.Nested(WarningSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class DeliverySchema(Schema):
    notification_id = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    topic = fields.String(required=True, allow_none=True)
    title = fields.String(required=True, allow_none=True)
    event_type = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, allow_none=True)
    attempts = fields.Integer(required=True, allow_none=True)
    last_error = fields.String(required=True, allow_none=True)
    created_at = fields.String(required=True, allow_none=True)
    sent_at = fields.String(required=True, allow_none=True)


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class WarningQuerySchema(Schema):
    region = fields.String(validate=region_code)
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
