"""The complaints service's events: versioned contracts of their data
(plumbing/event_contracts.py)."""
from marshmallow import Schema, fields

from contracts import closings
from contracts.schemas.complaints import CATEGORIES, PROPOSALS
from plumbing.event_contracts import (
    catalogue,
    contract_maker,
    envelope_maker,
    one_of,
    region_code,
    utc_time,
)

SOURCE = "complaints"
ESCALATIONS = ("deadline_missed", "consumer_rejected")


class ComplaintFactsSchema(Schema):
    """What every complaint event carries, so consumers need not ask back."""
    complaint_id = fields.String(required=True)
    merchant_id = fields.String(required=True)
    consumer = fields.String(required=True, metadata={"description": "the consumer's sub"})
    region = region_code(required=True, metadata={"description": "the merchant's region"})
    industry = fields.String(required=True, metadata={"description": "the merchant's industry"})
    category = one_of(*CATEGORIES, required=True)


class SubmittedSchema(ComplaintFactsSchema):
    flagged = fields.Boolean(required=True, metadata={
        "description": "a suspected professional claimant: waits for a regulator"})


class ForwardedSchema(ComplaintFactsSchema):
    deadline_at = utc_time(required=True, metadata={"description": "the merchant's deadline"})
    merchant_name = fields.String(required=True)


class RespondedSchema(ComplaintFactsSchema):
    proposal = one_of(*PROPOSALS, required=True)
    timely = fields.Boolean(required=True)
    response_seconds = fields.Float(required=True, metadata={
        "description": "from forwarding to the answer"})


class EscalatedSchema(ComplaintFactsSchema):
    reason = one_of(*ESCALATIONS, required=True)
    mediation_deadline_at = utc_time(required=True)


class ClosedSchema(ComplaintFactsSchema):
    closing = one_of(*closings.CODES, required=True)
    timely = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "null when the merchant never answered before closing"})
    amount_recovered_fen = fields.Integer(required=True, strict=True)


class DeadlineApproachingSchema(ComplaintFactsSchema):
    deadline_at = utc_time(required=True)


class HotspotSchema(Schema):
    hotspot_id = fields.String(required=True)
    region = region_code(required=True)
    industry = fields.String(required=True)
    category = one_of(*CATEGORIES, required=True)
    count = fields.Integer(required=True, strict=True, metadata={
        "description": "complaints in the window"})
    previous_count = fields.Integer(required=True, strict=True, metadata={
        "description": "complaints in the window before"})
    growth = fields.Float(required=True, metadata={
        "description": "(count − previous_count) / max(previous_count, 1), 2 decimals"})
    window_start = utc_time(required=True)
    window_end = utc_time(required=True)


class ThresholdExceededSchema(Schema):
    merchant_id = fields.String(required=True)
    count = fields.Integer(required=True, strict=True)
    threshold = fields.Integer(required=True, strict=True)
    window_start = utc_time(required=True)
    window_end = utc_time(required=True)


FACTS = {"complaint_id": "6f0e1d2c3b4a", "merchant_id": "3f1c9a2b7d4e", "consumer": "c-1029",
         "region": "330106", "industry": "catering", "category": "quality"}
DEADLINE = "2026-11-23T08:00:00.000000Z"


contract = contract_maker(SOURCE)


CONTRACTS = catalogue(
    contract("complaint_submitted", SubmittedSchema, "A consumer filed a complaint.",
             {**FACTS, "flagged": False}),
    contract("complaint_forwarded", ForwardedSchema,
             "The complaint went to the merchant, with its response deadline.",
             {**FACTS, "deadline_at": DEADLINE, "merchant_name": "湖滨小吃店"}),
    contract("complaint_responded", RespondedSchema, "The merchant proposed a remedy or disputed.",
             {**FACTS, "proposal": "refund", "timely": True, "response_seconds": 5400.0}),
    contract("complaint_escalated", EscalatedSchema,
             "The complaint went to mediation: the consumer rejected the answer or the merchant "
             "missed its deadline.",
             {**FACTS, "reason": "deadline_missed",
              "mediation_deadline_at": "2026-11-30T08:00:00.000000Z"}),
    contract("complaint_closed", ClosedSchema, "The complaint was closed, with how.",
             {**FACTS, "closing": closings.RESOLVED_MONETARY.code, "timely": True,
              "amount_recovered_fen": 12800}),
    contract("complaint_deadline_approaching", DeadlineApproachingSchema,
             "The merchant's deadline is near and it has not answered.",
             {**FACTS, "deadline_at": DEADLINE}),
    contract("hotspot_detected", HotspotSchema,
             "Complaints of one region, industry and category are rising.",
             {"hotspot_id": "9a8b7c6d5e4f3a2b", "region": "330106", "industry": "catering",
              "category": "quality", "count": 12, "previous_count": 4, "growth": 2.0,
              "window_start": "2026-11-14T08:00:00.000000Z",
              "window_end": "2026-11-21T08:00:00.000000Z"}),
    contract("merchant_complaint_threshold_exceeded", ThresholdExceededSchema,
             "A merchant received too many complaints in the window (once per window).",
             {"merchant_id": "3f1c9a2b7d4e", "count": 5, "threshold": 5,
              "window_start": "2026-10-22T08:00:00.000000Z",
              "window_end": "2026-11-21T08:00:00.000000Z"}),
)


# (type, data) pairs → their envelopes, each checked against its contract
envelopes = envelope_maker(SOURCE, CONTRACTS)
