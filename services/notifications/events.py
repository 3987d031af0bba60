"""The notifications service's events: versioned contracts of their data
(plumbing/event_contracts.py)."""
from marshmallow import Schema, fields

from plumbing.event_contracts import catalogue, contract_maker, envelope_maker, one_of, region_code
from services.notifications.domain import CHANNELS

SOURCE = "notifications"


class WarningPublishedSchema(Schema):
    warning_id = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    region = region_code(required=True)
    industry = fields.String(required=True, allow_none=True)
    category = fields.String(required=True, allow_none=True)


class NotificationFailedSchema(Schema):
    notification_id = fields.String(required=True)
    recipient = fields.String(required=True, metadata={
        "description": "a sub, a merchant_id, or region:<code> for regulators"})
    channel = one_of(*CHANNELS, required=True)
    event_type = fields.String(required=True, metadata={
        "description": "the event the message was about"})
    attempts = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True)


contract = contract_maker(SOURCE)


CONTRACTS = catalogue(
    contract("warning_published", WarningPublishedSchema,
             "A regulator published a consumer warning; it fans out to the region's consumers.",
             {"warning_id": "w-5", "title": "预付卡消费提示", "body": "谨慎办理大额预付卡。",
              "region": "330100", "industry": "catering", "category": None}),
    contract("notification_failed", NotificationFailedSchema,
             "A message could not be delivered on a channel after every attempt.",
             {"notification_id": "n-9", "recipient": "c-1029", "channel": "sms",
              "event_type": "complaint_responded", "attempts": 5,
              "reason": "provider answered 503"}),
)


# (type, data) pairs → their envelopes, each checked against its contract
envelopes = envelope_maker(SOURCE, CONTRACTS)
