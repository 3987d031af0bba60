"""The registry's events: versioned contracts of their data (plumbing/event_contracts.py)."""
from marshmallow import Schema, ValidationError, fields, validate

from contracts.catalogue import INDUSTRIES
from plumbing.event_contracts import (
    catalogue,
    contract_maker,
    envelope_maker,
    one_of,
    region_code,
)

SOURCE = "registry"
STATUSES = ("pending_onsite", "pending_county", "pending_final", "rejected", "certified",
            "warned", "suspended", "delisted")
STAGES = ("onsite", "county", "final")


def industry_code(**kwargs):
    return one_of(*INDUSTRIES, **kwargs)


class ReasonSchema(Schema):
    code = fields.String(required=True, metadata={"example": "BUSINESS_LICENCE_MISSING"})
    message = fields.String(required=True)
    stage = one_of(*STAGES, metadata={"description": "the review that failed, when one did"})


class MerchantAppliedSchema(Schema):
    merchant_id = fields.String(required=True)
    name = fields.String(required=True)
    region = region_code(required=True)
    industry = industry_code(required=True)
    status = one_of("pending_onsite", "rejected", required=True,
                    metadata={"description": "after the automatic pre-check"})
    rejection_reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class ReviewRecordedSchema(Schema):
    merchant_id = fields.String(required=True)
    stage = one_of(*STAGES, required=True)
    decision = one_of("pass", "fail", required=True)
    notes = fields.String(required=True, allow_none=True)
    by = fields.String(required=True, metadata={"description": "the reviewing regulator (sub)"})
    region = region_code(required=True)


class MerchantCertifiedSchema(Schema):
    merchant_id = fields.String(required=True)
    store_code = fields.String(required=True, metadata={"description": "opens /s/{store_code}"})
    region = region_code(required=True)
    industry = industry_code(required=True)
    name = fields.String(required=True)


class MerchantRejectedSchema(Schema):
    merchant_id = fields.String(required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    stage = one_of(*STAGES, metadata={"description": "absent when the pre-check rejected"})


class ReEvaluatedSchema(Schema):
    merchant_id = fields.String(required=True)
    region = region_code(required=True)
    outcome = one_of("kept", "upgraded", "rectify", "removed", required=True)
    score = fields.Float(required=True, metadata={"description": "the trust grade's, 0–100"})
    stars = fields.Integer(required=True, strict=True, metadata={
        "description": "the unit's stars now: the grade's (0 when removed)"})
    previous_stars = fields.Integer(required=True, strict=True)


class StatusChangedSchema(Schema):
    merchant_id = fields.String(required=True)
    from_ = one_of(*STATUSES, required=True, data_key="from")
    to = one_of(*STATUSES, required=True)
    reason = fields.String(required=True, allow_none=True)
    by = fields.String(required=True, metadata={"description": "a regulator's sub or system"})
    region = region_code(required=True)
    industry = industry_code(required=True)
    name = fields.String(required=True)


def _changes(value):
    if isinstance(value, dict) or (
            isinstance(value, list) and all(isinstance(item, str) for item in value)):
        return
    raise ValidationError("the changed field names, or an object of the new values")


class MerchantUpdatedSchema(Schema):
    merchant_id = fields.String(required=True)
    changes = fields.Raw(required=True, validate=_changes, metadata={
        "description": "the names of the fields the owner changed, or an object of the new "
                       "values (stars, red list, the licence registry's name and address)",
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]})
    by = fields.String(metadata={"description": "who changed it, when a person did"})
    reason = fields.String(metadata={"description": "why, when it was not the owner"})


class MerchantRatedSchema(Schema):
    merchant_id = fields.String(required=True)
    score = fields.Integer(required=True, validate=validate.Range(1, 5), metadata={
        "description": "the consumer's score, 1 to 5 (the unit's average is on its store page)"})


class GradeChangedSchema(Schema):
    merchant_id = fields.String(required=True)
    score = fields.Float(required=True, validate=validate.Range(0, 100), metadata={
        "description": "the trust grade's score, 0 to 100 (README \"The trust grade\")"})
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5), metadata={
        "description": "the grade's stars, capped by its vetoes"})
    previous_stars = fields.Integer(required=True, strict=True, allow_none=True,
                                    validate=validate.Range(1, 5), metadata={
        "description": "null for the unit's first grade"})


class SpotCheckAssignedSchema(Schema):
    task_id = fields.String(required=True)
    batch_id = fields.String(required=True)
    merchant_id = fields.String(required=True)
    region = region_code(required=True, metadata={"description": "the county the task is for"})


class SpotCheckCompletedSchema(SpotCheckAssignedSchema):
    result = one_of("pass", "warn", "fail", required=True)
    merchant_status = one_of(*STATUSES, required=True, metadata={
        "description": "the unit's status after the result"})


M = "3f1c9a2b7d4e4f0a9b8c7d6e5f4a3b2c"


contract = contract_maker(SOURCE)


CONTRACTS = catalogue(
    contract("merchant_applied", MerchantAppliedSchema,
             "A merchant applied (or resubmitted); the automatic pre-check has run.",
             {"merchant_id": M, "name": "湖滨小吃店", "region": "330106", "industry": "catering",
              "status": "pending_onsite", "rejection_reasons": []}),
    contract("merchant_review_recorded", ReviewRecordedSchema,
             "A regulator recorded an on-site, county or final review.",
             {"merchant_id": M, "stage": "onsite", "decision": "pass", "notes": "现场核查通过",
              "by": "reg-station-7", "region": "330106"}),
    contract("merchant_certified", MerchantCertifiedSchema,
             "The final review passed: the unit is certified and has its store code.",
             {"merchant_id": M, "store_code": "Qm7xK2pLr9AbCdEf", "region": "330106",
              "industry": "catering", "name": "湖滨小吃店"}),
    contract("merchant_rejected", MerchantRejectedSchema,
             "The pre-check or a review rejected the application, with reasons.",
             {"merchant_id": M, "reasons": [{"code": "DECLARATION_INCOMPLETE",
                                             "message": "missing: has_after_sales"}]}),
    contract("merchant_status_changed", StatusChangedSchema,
             "A certified unit was warned, suspended, restored or delisted (from, to, reason).",
             {"merchant_id": M, "from": "certified", "to": "warned", "reason": "抽查警示",
              "by": "reg-county-2", "region": "330106", "industry": "catering",
              "name": "湖滨小吃店"}),
    contract("merchant_re_evaluated", ReEvaluatedSchema,
             "The yearly re-evaluation (后评价) kept, upgraded, sent to rectify or removed a unit.",
             {"merchant_id": M, "region": "330106", "outcome": "upgraded", "score": 91.5,
              "stars": 5, "previous_stars": 4}),
    contract("merchant_updated", MerchantUpdatedSchema,
             "A unit's profile, stars or lists changed.",
             {"merchant_id": M, "changes": {"stars": 4}, "by": "reg-city-1"}),
    contract("merchant_rated", MerchantRatedSchema,
             "A consumer rated a unit (one rating per consumer and unit every 30 days).",
             {"merchant_id": M, "score": 4}),
    contract("merchant_grade_changed", GradeChangedSchema,
             "The stars of a certified unit's computed trust grade changed (not yet its stars).",
             {"merchant_id": M, "score": 75.5, "stars": 3, "previous_stars": 5}),
    contract("spot_check_assigned", SpotCheckAssignedSchema,
             "A random spot check of a unit was assigned to its county.",
             {"task_id": "b1c2d3", "batch_id": "a9f8e7", "merchant_id": M, "region": "330106"}),
    contract("spot_check_completed", SpotCheckCompletedSchema,
             "A spot check's result was recorded.",
             {"task_id": "b1c2d3", "batch_id": "a9f8e7", "merchant_id": M, "region": "330106",
              "result": "warn", "merchant_status": "warned"}),
)


# (type, data) pairs → their envelopes, each checked against its contract
envelopes = envelope_maker(SOURCE, CONTRACTS)
