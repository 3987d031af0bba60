"""The complaints service's events: versioned contracts of their data
(plumbing/event_contracts.py)."""
from datetime import date

from marshmallow import Schema, fields

from contracts import closings
from contracts.schemas import complaints as deadline_shape
from contracts.schemas.complaints import CATEGORIES, PROPOSALS
from plumbing.event_contracts import (
    catalogue,
    contract_maker,
    envelope_maker,
    one_of,
    region_code,
    utc_time,
)
from services.complaints.deadlines import WORKING_DAYS

SOURCE = "complaints"
ESCALATIONS = ("deadline_missed", "consumer_rejected")
# the closings complaint_closed v1 names; the later ones reach v1 as the nearest of these
V1_CLOSINGS = ("resolved_monetary", "resolved_non_monetary", "unresolved", "withdrawn",
               "rejected")
# the last day the v1 of an event that has a v2 is published
V1_LAST_DAY = date(2027, 6, 30)


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


class DeadlineSchema(deadline_shape.DeadlineSchema):
    """The response shape's deadline, its times held to RFC 3339 UTC."""
    from_ = utc_time(required=True, data_key="from", metadata={
        "description": "the moment it is counted from"})
    due_at = utc_time(required=True, allow_none=True, metadata={
        "description": "24:00 China Standard Time of the last working day; null while pending"})


class ForwardedSchema(ComplaintFactsSchema):
    deadline_at = utc_time(required=True, metadata={"description": "the merchant's deadline"})
    merchant_name = fields.String(required=True)


class ForwardedV2Schema(ComplaintFactsSchema):
    deadline_at = utc_time(required=True, allow_none=True, metadata={
        "description": "the merchant's deadline; null while pending"})
    deadline = fields.Nested(DeadlineSchema, required=True)
    merchant_name = fields.String(required=True)
    screening_lapsed = fields.Boolean(required=True, metadata={
        "description": "accepted because every level's screening deadline passed"})


class ScreeningEscalatedSchema(ComplaintFactsSchema):
    to_region = region_code(required=True, metadata={
        "description": "the level that screens it now"})
    deadline_at = utc_time(required=True, allow_none=True)
    deadline = fields.Nested(DeadlineSchema, required=True)


class RespondedSchema(ComplaintFactsSchema):
    proposal = one_of(*PROPOSALS, required=True)
    timely = fields.Boolean(required=True)
    response_seconds = fields.Float(required=True, metadata={
        "description": "from forwarding to the answer"})
    decision_deadline_at = utc_time(allow_none=True, metadata={
        "description": "when the consumer's silence accepts the proposal; null while pending"})


class EscalatedSchema(ComplaintFactsSchema):
    reason = one_of(*ESCALATIONS, required=True)
    mediation_deadline_at = utc_time(required=True)


class EscalatedV2Schema(ComplaintFactsSchema):
    reason = one_of(*ESCALATIONS, required=True)
    mediation_deadline_at = utc_time(required=True, allow_none=True, metadata={
        "description": "when mediation ends without agreement; null while pending"})
    deadline = fields.Nested(DeadlineSchema, required=True)


class ClosedSchema(ComplaintFactsSchema):
    closing = one_of(*V1_CLOSINGS, required=True)
    timely = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "null when the merchant never answered before closing"})
    amount_recovered_fen = fields.Integer(required=True, strict=True)


class ClosedV2Schema(ClosedSchema):
    closing = one_of(*closings.CODES, required=True)
    by_deadline = fields.Boolean(required=True, metadata={
        "description": "closed by itself when its state's deadline passed"})


class ConsentChangedSchema(ComplaintFactsSchema):
    public_consent = fields.Boolean(required=True, metadata={
        "description": "false: the summary left every public answer"})


class DeadlineApproachingSchema(ComplaintFactsSchema):
    deadline_at = utc_time(required=True)


class DecisionDueSchema(ComplaintFactsSchema):
    proposal = one_of(*PROPOSALS, required=True, metadata={
        "description": "the merchant's answer the consumer has to accept or reject"})
    decision_deadline_at = utc_time(required=True, metadata={
        "description": "when the consumer's silence accepts the proposal (a dispute: closes "
                       "the complaint unresolved)"})


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
RESPONSE_DEADLINE = {"kind": "response", "rule": "7 个工作日（经营者收到投诉后直接和解的期限）",
                     "unit": WORKING_DAYS, "count": 7, "from": "2026-11-12T08:00:00.000000Z",
                     "due_at": "2026-11-21T16:00:00.000000Z", "pending_year": None}
MEDIATION_DEADLINE = {**RESPONSE_DEADLINE, "kind": "mediation", "count": 45,
                      "rule": "45 个工作日（自投诉受理之日起四十五个工作日内"
                              "未达成调解协议的终止调解）",
                      "due_at": "2027-01-15T16:00:00.000000Z"}
SCREENING_DEADLINE = {**RESPONSE_DEADLINE, "kind": "screening",
                      "rule": "7 个工作日（收到投诉之日起七个工作日内决定是否受理）"}
# the nearest v1 closing of each later one
V1_CLOSING_OF = {"accepted_by_default": "resolved_non_monetary",
                 "mediation_ended": "unresolved"}


def _without(data, *names):
    return {name: value for name, value in data.items() if name not in names}


def _pending_has_no_v1(downgrade):
    """A fact whose deadline is pending has no v1 shape (v1 requires the time): not made."""
    def made(data):
        return None if data["deadline"]["due_at"] is None else downgrade(data)
    return made


@_pending_has_no_v1
def forwarded_v1(data):
    return _without(data, "deadline", "screening_lapsed")


@_pending_has_no_v1
def escalated_v1(data):
    return _without(data, "deadline")


def closed_v1(data):
    closing = data["closing"]
    if closing == "accepted_by_default" and data["amount_recovered_fen"]:
        closing = "resolved_monetary"
    return {**_without(data, "by_deadline"), "closing": V1_CLOSING_OF.get(closing, closing)}


contract = contract_maker(SOURCE)


CONTRACTS = catalogue(
    contract("complaint_submitted", SubmittedSchema, "A consumer filed a complaint.",
             {**FACTS, "flagged": False}),
    contract("complaint_forwarded", ForwardedV2Schema,
             "The complaint went to the merchant, with its response deadline and its rule.",
             {**FACTS, "deadline_at": RESPONSE_DEADLINE["due_at"], "deadline": RESPONSE_DEADLINE,
              "merchant_name": "湖滨小吃店", "screening_lapsed": False}, version=2),
    contract("complaint_forwarded", ForwardedSchema,
             "The complaint went to the merchant, with its response deadline.",
             {**FACTS, "deadline_at": DEADLINE, "merchant_name": "湖滨小吃店"},
             deprecated_after=V1_LAST_DAY, downgrade=forwarded_v1),
    contract("complaint_screening_escalated", ScreeningEscalatedSchema,
             "A flagged complaint's screening deadline passed: the next level screens it.",
             {**FACTS, "to_region": "330100", "deadline_at": SCREENING_DEADLINE["due_at"],
              "deadline": SCREENING_DEADLINE}),
    contract("complaint_responded", RespondedSchema, "The merchant proposed a remedy or disputed.",
             {**FACTS, "proposal": "refund", "timely": True, "response_seconds": 5400.0}),
    contract("complaint_escalated", EscalatedV2Schema,
             "The complaint went to mediation, with the deadline that ends it and its rule.",
             {**FACTS, "reason": "deadline_missed",
              "mediation_deadline_at": MEDIATION_DEADLINE["due_at"],
              "deadline": MEDIATION_DEADLINE}, version=2),
    contract("complaint_escalated", EscalatedSchema,
             "The complaint went to mediation: the consumer rejected the answer or the merchant "
             "missed its deadline.",
             {**FACTS, "reason": "deadline_missed",
              "mediation_deadline_at": "2026-11-30T08:00:00.000000Z"},
             deprecated_after=V1_LAST_DAY, downgrade=escalated_v1),
    contract("complaint_closed", ClosedV2Schema,
             "The complaint was closed, with how, and whether its deadline closed it.",
             {**FACTS, "closing": closings.ACCEPTED_BY_DEFAULT.code, "timely": True,
              "amount_recovered_fen": 12800, "by_deadline": True}, version=2),
    contract("complaint_closed", ClosedSchema, "The complaint was closed, with how.",
             {**FACTS, "closing": closings.RESOLVED_MONETARY.code, "timely": True,
              "amount_recovered_fen": 12800},
             deprecated_after=V1_LAST_DAY, downgrade=closed_v1),
    contract("complaint_consent_changed", ConsentChangedSchema,
             "The consumer gave or withdrew consent to publish the complaint's summary.",
             {**FACTS, "public_consent": False}),
    contract("complaint_public_reply_posted", ComplaintFactsSchema,
             "The merchant added its one public reply beside the published summary.", FACTS),
    contract("complaint_deadline_approaching", DeadlineApproachingSchema,
             "The merchant's deadline is near and it has not answered.",
             {**FACTS, "deadline_at": DEADLINE}),
    contract("complaint_decision_due", DecisionDueSchema,
             "The consumer's deadline to accept or reject the merchant's answer is near.",
             {**FACTS, "proposal": "refund", "decision_deadline_at": DEADLINE}),
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
