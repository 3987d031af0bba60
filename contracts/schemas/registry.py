"""The registry's request and response shapes; the gateway builds /openapi.json from them."""

from marshmallow import Schema, ValidationError, fields, validate, validates

from contracts import credit_code
from contracts.catalogue import (
    INDUSTRIES,
    LICENCE_KINDS,
    STANDARD_KEYS,
    UNIT_TYPES,
)
from contracts.fields import SaneDate, SaneDateTime
from contracts.identifiers import PHONE, region_code
from contracts.schemas.trust_grade import TrustGradeSchema


class LocationSchema(Schema):
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))


class LicenceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(LICENCE_KINDS)))
    number = fields.String(required=True, validate=validate.Length(1, 64))
    valid_until = SaneDate(required=True)


class CommitmentsSchema(Schema):
    no_reason_return_days = fields.Integer(strict=True, load_default=0,
                                           validate=validate.Range(0, 90))
    cross_store_return = fields.Boolean(load_default=False)
    first_inquiry_responsibility = fields.Boolean(load_default=False)
    advance_compensation = fields.Boolean(load_default=False)


class DeclarationSchema(Schema):
    items = fields.Dict(required=True, keys=fields.String(validate=validate.OneOf(
        sorted(STANDARD_KEYS))), values=fields.Boolean())


class MerchantProfileSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 100))
    credit_code = fields.String(required=True)
    unit_type = fields.String(required=True, validate=validate.OneOf(sorted(UNIT_TYPES)))
    industry = fields.String(required=True, validate=validate.OneOf(sorted(INDUSTRIES)))
    region = fields.String(required=True, validate=region_code)
    address = fields.String(required=True, validate=validate.Length(1, 200))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    contact_phone = fields.String(required=True, validate=PHONE)
    licences = fields.List(fields.Nested(LicenceSchema), load_default=list,
                           validate=validate.Length(max=20))
    commitments = fields.Nested(CommitmentsSchema,
                                load_default=lambda: CommitmentsSchema().load({}))

    @validates("credit_code")
    def _check_credit_code(self, value, **kwargs):
        if not credit_code.is_valid(value):
            raise ValidationError("not a valid unified social credit code (GB 32100-2015)")


class MerchantApplicationSchema(MerchantProfileSchema):
    declaration = fields.Nested(DeclarationSchema, required=True)


class RejectionReasonSchema(Schema):
    code = fields.String()
    message = fields.String()
    stage = fields.String(metadata={"description": "the review that failed, when one did"})


class HistoryEntrySchema(Schema):
    at = fields.String()
    by = fields.String()
    reason = fields.String(allow_none=True)
    # "from" is a Python keyword, hence data_key
    from_status = fields.String(data_key="from", allow_none=True)
    to = fields.String()


class StarsOverrideSchema(Schema):
    stars = fields.Integer()
    reason = fields.String(allow_none=True)
    by = fields.String()
    at = fields.String()


class MerchantSchema(MerchantApplicationSchema):
    merchant_id = fields.String(required=True)
    status = fields.String(required=True)
    pool = fields.String(required=True, allow_none=True)
    stars = fields.Integer(required=True)
    store_code = fields.String(required=True, allow_none=True)
    rejection_reasons = fields.List(fields.Nested(RejectionReasonSchema), required=True)
    history = fields.List(fields.Nested(HistoryEntrySchema), required=True)
    rating = fields.Dict(required=True, keys=fields.String(), values=fields.Integer())
    scan_count = fields.Integer(required=True)
    red_listed = fields.Boolean(required=True)
    black_listed = fields.Boolean(required=True)
    certified_at = fields.String()
    reviewed_at = fields.String(allow_none=True, metadata={
        "description": "the last yearly re-evaluation (后评价); the next is a year after it"})
    stars_override = fields.Nested(StarsOverrideSchema, allow_none=True, metadata={
        "description": "a regulator's stars over the computed grade's, until the next "
                       "re-evaluation"})
    trust_grade = fields.Nested(TrustGradeSchema, allow_none=True, metadata={
        "description": "the computed trust grade with its factors, as the store page shows "
                       "it (labels in Chinese); null until the unit is graded"})
    created_at = fields.String(required=True)
    updated_at = fields.String(required=True)


class StandardItemSchema(Schema):
    key = fields.String(required=True)
    text = fields.String(required=True)


class StandardSchema(Schema):
    items = fields.List(fields.Nested(StandardItemSchema), required=True)


class MerchantPatchSchema(MerchantProfileSchema):
    """PATCH: any profile field; the credit code is the unit's identity and cannot change."""

    class Meta:
        exclude = ("credit_code",)


class ResubmissionSchema(MerchantApplicationSchema):
    pass


class ReviewSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(["onsite", "county", "final"]))
    decision = fields.String(required=True, validate=validate.OneOf(["pass", "fail"]))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class ActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(
        ["warn", "clear_warning", "suspend", "restore", "revoke", "red_list", "black_list"]))
    reason = fields.String(required=True, validate=validate.Length(1, 2000))


class StarsSchema(Schema):
    stars = fields.Integer(required=True, strict=True, validate=validate.Range(0, 5))
    reason = fields.String(load_default="", validate=validate.Length(max=500), metadata={
        "description": "why the regulator overrides the computed grade; the store page shows "
                       "it until the next yearly re-evaluation"})


class LicenceEventSchema(Schema):
    credit_code = fields.String(required=True, validate=validate.Length(18, 18))
    event = fields.String(required=True, validate=validate.OneOf(
        ["revoked", "deregistered", "abnormal_listed", "abnormal_cleared", "changed"]))
    changes = fields.Dict(keys=fields.String(validate=validate.OneOf(["name", "address"])),
                          values=fields.String(validate=validate.Length(1, 200)),
                          load_default=dict)
    occurred_at = SaneDateTime(required=True)


class LicenceEventResultSchema(Schema):
    credit_code = fields.String(required=True)
    merchant_id = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, allow_none=True)
    changed = fields.Boolean(required=True)


class GradeStatsQuerySchema(Schema):
    region = fields.String(validate=region_code, metadata={
        "description": "a province, city or county in your jurisdiction (default: all of it)"})


class GradeDistributionSchema(Schema):
    region = fields.String()
    graded = fields.Integer(metadata={"description": "certified and warned units with a grade"})
    by_stars = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "units by the stars of their computed trust grade, \"1\" to \"5\""})


class SpotCheckRequestSchema(Schema):
    region = fields.String(required=True, validate=region_code)
    sample_size = fields.Integer(required=True, strict=True, validate=validate.Range(1, 100))


class SpotCheckResultSchema(Schema):
    result = fields.String(required=True, validate=validate.OneOf(["pass", "warn", "fail"]))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class SpotCheckTaskSchema(Schema):
    task_id = fields.String(required=True)
    batch_id = fields.String(required=True)
    merchant_id = fields.String(required=True)
    merchant_name = fields.String(required=True)
    region = fields.String(required=True)
    status = fields.String(required=True)
    result = fields.String(required=True, allow_none=True)
    notes = fields.String(required=True, allow_none=True)
    assigned_by = fields.String(required=True)
    assigned_at = fields.String(required=True)
    completed_by = fields.String(required=True, allow_none=True)
    completed_at = fields.String(required=True, allow_none=True)


class SpotCheckBatchSchema(Schema):
    batch_id = fields.String(required=True)
    items = fields.List(fields.Nested(SpotCheckTaskSchema), required=True)


class SpotCheckPageSchema(Schema):
    items = fields.List(fields.Nested(SpotCheckTaskSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class ScanCountsSchema(Schema):
    """Scans a gateway served, by merchant, since its last report."""
    counts = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)),
                         values=fields.Integer(strict=True,
                                               validate=validate.Range(min=1, max=10**9)),
                         required=True, validate=validate.Length(max=100_000))


class RatingSchema(Schema):
    score = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class RatingResultSchema(Schema):
    merchant_id = fields.String(required=True)
    count = fields.Integer(required=True)
    average = fields.Float(required=True, allow_none=True)


COMMITMENT_FILTERS = ["no_reason_return", "cross_store_return", "first_inquiry_responsibility",
                      "advance_compensation"]


class PublicSearchSchema(Schema):
    region = fields.String(validate=region_code)
    industry = fields.String(validate=validate.OneOf(sorted(INDUSTRIES)))
    unit_type = fields.String(validate=validate.OneOf(sorted(UNIT_TYPES)))
    commitment = fields.String(validate=validate.OneOf(COMMITMENT_FILTERS))
    q = fields.String(validate=validate.Length(1, 50))
    near = fields.String(validate=validate.Regexp(
        r"^-?[0-9]{1,3}(\.[0-9]+)?,-?[0-9]{1,2}(\.[0-9]+)?\Z", error="lng,lat"))
    radius_m = fields.Integer(load_default=3000, validate=validate.Range(1, 50_000))
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))

    @validates("near")
    def _check_near(self, value, **kwargs):
        lng, lat = (float(part) for part in value.split(","))
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ValidationError("coordinates out of range")


class MerchantListSchema(Schema):
    status = fields.String(validate=validate.OneOf(
        ["pending_onsite", "pending_county", "pending_final", "rejected", "certified", "warned",
         "suspended", "delisted"]))
    pool = fields.String(validate=validate.OneOf(["selection", "cultivation", "star", "warning"]))
    region = fields.String(validate=region_code)
    industry = fields.String(validate=validate.OneOf(sorted(INDUSTRIES)))
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class ListingSchema(Schema):
    merchant_id = fields.String(required=True)
    name = fields.String()
    unit_type = fields.String()
    industry = fields.String()
    region = fields.String()
    address = fields.String()
    location = fields.Nested(LocationSchema, allow_none=True)
    status = fields.String()
    stars = fields.Integer()
    store_code = fields.String(allow_none=True)
    commitments = fields.Nested(CommitmentsSchema)
    red_listed = fields.Boolean()
    black_listed = fields.Boolean()
    distance_m = fields.Integer()


class ListingPageSchema(Schema):
    items = fields.List(fields.Nested(ListingSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class MerchantPageSchema(Schema):
    items = fields.List(fields.Nested(MerchantSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
