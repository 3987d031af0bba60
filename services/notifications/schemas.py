"""The notifications service's response shapes, for /openapi.json."""
from marshmallow import Schema, fields


class NotificationSchema(Schema):
    notification_id = fields.String()
    recipient = fields.String()
    topic = fields.String()
    title = fields.String()
    body = fields.String()
    event_type = fields.String()
    event_id = fields.String()
    created_at = fields.String()
    read_at = fields.String(allow_none=True)
    read = fields.Boolean()


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
