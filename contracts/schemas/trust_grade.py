"""The computed trust grade's shape (services/registry/trust_grade.py, labelled by
contracts/store_page_display.grade_of), as the store page and a merchant's record show it."""
from marshmallow import Schema, fields


class GradeFactorSchema(Schema):
    name = fields.String(required=True, metadata={"enum": [
        "complaint_volume", "answered_in_time", "resolved", "satisfaction", "spot_checks",
        "licence"]})
    label_zh = fields.String(required=True)
    label = fields.String(metadata={"description": "in the answer's language"})
    points = fields.Float(required=True, metadata={"description": "1 decimal"})
    most = fields.Float(required=True, metadata={"description": "the factor's points at most"})


class GradeVetoSchema(Schema):
    code = fields.String(required=True, metadata={"enum": [
        "black_listed", "licence_expired", "failed_spot_check"]})
    label_zh = fields.String(required=True, metadata={"description": "with the stars it caps"})
    label = fields.String(metadata={"description": "in the answer's language"})


class GradeHintSchema(Schema):
    factor = fields.String(required=True)
    points = fields.Float(required=True, metadata={"description": "the points it would add"})
    hint_zh = fields.String(required=True)
    hint_en = fields.String(required=True)
    hint = fields.String(metadata={"description": "in the answer's language"})


class TrustGradeSchema(Schema):
    score = fields.Float(required=True, metadata={"description": "0..100, 1 decimal"})
    stars = fields.Integer(required=True, metadata={
        "description": "1..5 from the score, capped by the vetoes; the unit's stars become "
                       "these at its yearly re-evaluation"})
    computed_at = fields.String(required=True, metadata={"description": "RFC 3339"})
    warnings_points = fields.Float(required=True, metadata={
        "description": "taken off the factors' sum for warnings"})
    factors = fields.List(fields.Nested(GradeFactorSchema), required=True)
    vetoes = fields.List(fields.Nested(GradeVetoSchema), required=True, metadata={
        "description": "veto items that hold, each capping the stars"})
    to_raise = fields.List(fields.Nested(GradeHintSchema), required=True, metadata={
        "description": "what would raise it, most points first"})
