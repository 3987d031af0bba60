"""The complaints service's request and response shapes."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from contracts import closings, open_data
from contracts.catalogue import COMPLAINT_CATEGORIES as CATEGORIES
from contracts.fields import SaneDate
from contracts.identifiers import PHONE, region_code

PROPOSALS = ["refund", "exchange", "repair", "compensation", "apology", "dispute"]
STATUSES = ["forwarded", "responded", "mediation", "closed", "flagged"]
CLOSINGS = list(closings.CODES)
MAX_FEN = 10_000_000_000  # ¥100 million: far above any consumer dispute
ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}\Z")


class ComplaintFilingSchema(Schema):
    merchant_id = fields.String(validate=ID)
    store_code = fields.String(validate=ID)
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    title = fields.String(required=True, validate=validate.Length(1, 100))
    description = fields.String(required=True, validate=validate.Length(1, 2000))
    amount_fen = fields.Integer(strict=True, load_default=0, validate=validate.Range(0, MAX_FEN))
    occurred_on = SaneDate(required=True)
    evidence_urls = fields.List(fields.Url(schemes={"http", "https"}), load_default=list,
                                validate=validate.Length(max=10))
    contact_phone = fields.String(required=True, validate=PHONE)
    public_consent = fields.Boolean(load_default=False)

    @validates_schema
    def _one_target(self, data, **kwargs):
        if ("merchant_id" in data) == ("store_code" in data):
            raise ValidationError("give merchant_id or store_code, not both",
                                  field_name="merchant_id")


class MerchantAnswerSchema(Schema):
    proposal = fields.String(required=True, validate=validate.OneOf(PROPOSALS))
    message = fields.String(required=True, validate=validate.Length(1, 2000))
    amount_fen = fields.Integer(strict=True, load_default=None, allow_none=True,
                                validate=validate.Range(0, MAX_FEN))


class DecisionSchema(Schema):
    accept = fields.Boolean(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class MediationSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["resolved", "failed"]))
    relief = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(closings.RELIEFS))
    amount_recovered_fen = fields.Integer(strict=True, load_default=0,
                                          validate=validate.Range(0, MAX_FEN))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _relief_matches_outcome(self, data, **kwargs):
        if data["outcome"] == "resolved" and data.get("relief") is None:
            raise ValidationError("a resolved mediation names its relief", field_name="relief")
        if data["outcome"] == "failed" and data.get("relief") is not None:
            raise ValidationError("a failed mediation has no relief", field_name="relief")
        if data.get("relief") != "monetary" and data.get("amount_recovered_fen"):
            raise ValidationError("only monetary relief recovers money",
                                  field_name="amount_recovered_fen")


class ScreeningSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["forward", "reject"]))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class PublicReplySchema(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 1000), metadata={
        "description": "published beside the summary, masked as the summary is"})


class ConsentSchema(Schema):
    public_consent = fields.Boolean(required=True, metadata={
        "description": "false withdraws the consent: the summary (and the merchant's reply) "
                       "leaves every public answer"})


class SatisfactionSchema(Schema):
    satisfaction = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5))


class ComplaintListSchema(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    merchant_id = fields.String(validate=ID)
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    from_ = SaneDate(data_key="from")
    to = SaneDate()
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class StatsQuerySchema(Schema):
    region = fields.String(validate=region_code)
    from_ = SaneDate(data_key="from")
    to = SaneDate()


class OpenDataQuerySchema(Schema):
    """The open-data file of a region and day (docs/open-data.md)."""
    region = fields.String(required=True, validate=region_code, metadata={
        "description": "a province (330000), city (330100) or county (330106) code",
        "example": "330100"})
    day = SaneDate(required=True, metadata={
        "description": "the day in China Standard Time the complaints were closed; not a "
                       "day to come", "example": "2026-12-01"})
    format = fields.String(load_default="csv", validate=validate.OneOf(list(open_data.FORMATS)),
                           metadata={"description": "csv (with a header row) or ndjson"})


class OpenDataPageSchema(Schema):
    """A page of the complaints service's ``open_data`` RPC."""
    cursor = fields.String(allow_none=True, validate=validate.Length(max=512))
    limit = fields.Integer(strict=True, validate=validate.Range(1, open_data.PAGE_ROWS))


DEADLINE_KINDS = ("screening", "response", "decision", "mediation")
DEADLINE_UNITS = ("working_days", "seconds")


class DeadlineSchema(Schema):
    """A deadline as the rules count it (docs/complaints.md "Deadlines")."""
    kind = fields.String(required=True, validate=validate.OneOf(DEADLINE_KINDS), metadata={
        "description": "the rule: screening (flagged), response (forwarded), decision "
                       "(responded) or mediation"})
    rule = fields.String(required=True, metadata={
        "description": "the count and its basis, as the timeline says it"})
    unit = fields.String(required=True, validate=validate.OneOf(DEADLINE_UNITS))
    count = fields.Float(required=True, metadata={"description": "working days or seconds"})
    from_ = fields.String(required=True, data_key="from", metadata={
        "format": "date-time", "description": "the moment it is counted from"})
    due_at = fields.String(required=True, allow_none=True, metadata={
        "format": "date-time",
        "description": "24:00 China Standard Time of the last working day; null while pending"})
    pending_year = fields.Integer(required=True, allow_none=True, strict=True, metadata={
        "description": "the year the official calendar does not cover yet; null when due_at "
                       "is set"})


class TimelineEntrySchema(Schema):
    at = fields.String(required=True)
    event = fields.String(required=True)
    by = fields.String(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)
    deadline = fields.Nested(DeadlineSchema, metadata={
        "description": "the deadline this step set or that passed"})


class ProposalSchema(Schema):
    proposal = fields.String()
    message = fields.String()
    amount_fen = fields.Integer(allow_none=True)


class DecisionRecordSchema(Schema):
    accept = fields.Boolean()
    comment = fields.String(allow_none=True)
    at = fields.String()


class MediationRecordSchema(Schema):
    outcome = fields.String()
    relief = fields.String(allow_none=True)
    amount_recovered_fen = fields.Integer()
    notes = fields.String(allow_none=True)
    by = fields.String()
    at = fields.String()


class PublicReplyRecordSchema(Schema):
    text = fields.String()
    at = fields.String()


class ComplaintSchema(Schema):
    complaint_id = fields.String(required=True)
    consumer = fields.String(required=True, allow_none=True)
    merchant_id = fields.String(required=True)
    merchant_name = fields.String(required=True)
    region = fields.String(required=True)
    industry = fields.String(required=True)
    store_code = fields.String(required=True, allow_none=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    amount_fen = fields.Integer(required=True)
    occurred_on = fields.String(required=True)
    evidence_urls = fields.List(fields.String(), required=True)
    contact_phone = fields.String(required=True)
    public_consent = fields.Boolean(required=True)
    status = fields.String(required=True)
    closing = fields.String(required=True, allow_none=True)
    timely = fields.Boolean(required=True, allow_none=True)
    escalated = fields.Boolean(required=True)
    filed_at = fields.String(required=True)
    forwarded_at = fields.String(required=True, allow_none=True)
    deadline_at = fields.String(required=True, allow_none=True)
    responded_at = fields.String(required=True, allow_none=True)
    response = fields.Nested(ProposalSchema, required=True, allow_none=True)
    decision = fields.Nested(DecisionRecordSchema, required=True, allow_none=True,
                             metadata={"description": "the consumer's answer to the proposal"})
    mediation = fields.Nested(MediationRecordSchema, required=True, allow_none=True)
    mediation_deadline_at = fields.String(required=True, allow_none=True)
    screening_deadline_at = fields.String(allow_none=True, metadata={
        "description": "a flagged complaint's screening deadline at its present level"})
    screening_region = fields.String(allow_none=True, metadata={
        "description": "the level that screens a flagged complaint now"})
    decision_deadline_at = fields.String(allow_none=True, metadata={
        "description": "when the consumer's silence accepts the merchant's proposal"})
    public_reply = fields.Nested(PublicReplyRecordSchema, allow_none=True, metadata={
        "description": "the merchant's one public reply (as written; published masked)"})
    deadlines = fields.Dict(keys=fields.String(validate=validate.OneOf(DEADLINE_KINDS)),
                            values=fields.Nested(DeadlineSchema), metadata={
                                "description": "every deadline set so far, by kind"})
    amount_recovered_fen = fields.Integer(required=True)
    closed_at = fields.String(required=True, allow_none=True)
    satisfaction = fields.Integer(required=True, allow_none=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True)


class ComplaintPageSchema(Schema):
    items = fields.List(fields.Nested(ComplaintSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


# --- answers described in /openapi.json -------------------------------------------------------

def _rate():
    return fields.Float(allow_none=True, metadata={"description": "0..1; null with no base"})


class FiguresSchema(Schema):
    total = fields.Integer()
    handled = fields.Integer()
    handling_rate = _rate()
    resolved = fields.Integer()
    resolution_rate = _rate()
    rated = fields.Integer()
    satisfaction_rate = _rate()
    money_recovered_fen = fields.Integer()
    average_response_seconds = fields.Float(allow_none=True)


class StatisticsSchema(FiguresSchema):
    region = fields.String(allow_none=True)
    from_ = fields.Date(allow_none=True, data_key="from")
    to = fields.Date(allow_none=True)
    by_category = fields.Dict(keys=fields.String(), values=fields.Nested(FiguresSchema))
    by_closing = fields.Dict(keys=fields.String(validate=validate.OneOf(CLOSINGS)),
                             values=fields.Integer(), metadata={
                                 "description": "complaints closed so, for every closing"})


class PublicSummarySchema(Schema):
    complaint_id = fields.String()
    category = fields.String()
    title = fields.String(metadata={"description": "phones, names and long numbers masked"})
    summary = fields.String()
    status = fields.String()
    closing = fields.String(allow_none=True)
    filed_on = fields.Date()
    response_proposal = fields.String(allow_none=True)
    merchant_reply = fields.Nested(PublicReplyRecordSchema, allow_none=True, metadata={
        "description": "the merchant's public reply, masked"})


class PublicDisclosureSchema(Schema):
    merchant_id = fields.String()
    period_days = fields.Integer()
    total = fields.Integer()
    resolved = fields.Integer()
    resolution_rate = _rate()
    timely_response_rate = _rate()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    summaries = fields.List(fields.Nested(PublicSummarySchema))


class HotspotSchema(Schema):
    hotspot_id = fields.String()
    region = fields.String()
    industry = fields.String()
    category = fields.String()
    count = fields.Integer()
    previous_count = fields.Integer()
    growth = fields.Float()
    window_start = fields.String()
    window_end = fields.String()
    detected_at = fields.String()


class HotspotPageSchema(Schema):
    items = fields.List(fields.Nested(HotspotSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
