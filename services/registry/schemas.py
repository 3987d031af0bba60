"""The registry's request and response shapes; the gateway builds /openapi.json from them."""
from marshmallow import Schema, ValidationError, fields, validate, validates

from services.registry import credit_code
from services.registry.catalogue import INDUSTRIES, LICENCE_KINDS, STANDARD_KEYS, UNIT_TYPES

PHONE = validate.Regexp(r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})\Z",
                        error="not a mobile or landline number")
REGION = validate.Regexp(r"^[1-9][0-9]{5}\Z", error="a 6-digit administrative division code")


class LocationSchema(Schema):
    lng = fields.Float(required=True, validate=validate.Range(-180, 180))
    lat = fields.Float(required=True, validate=validate.Range(-90, 90))


class LicenceSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(sorted(LICENCE_KINDS)))
    number = fields.String(required=True, validate=validate.Length(1, 64))
    valid_until = fields.Date(required=True)


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
    region = fields.String(required=True, validate=REGION)
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


class HistoryEntrySchema(Schema):
    at = fields.String()
    by = fields.String()
    reason = fields.String(allow_none=True)
    # "from" is a Python keyword, hence data_key
    from_status = fields.String(data_key="from", allow_none=True)
    to = fields.String()


class MerchantSchema(MerchantApplicationSchema):
    merchant_id = fields.String()
    status = fields.String()
    pool = fields.String(allow_none=True)
    stars = fields.Integer()
    store_code = fields.String(allow_none=True)
    rejection_reasons = fields.List(fields.Nested(RejectionReasonSchema))
    history = fields.List(fields.Nested(HistoryEntrySchema))
    created_at = fields.String()
    updated_at = fields.String()


class StandardItemSchema(Schema):
    key = fields.String()
    text = fields.String()


class StandardSchema(Schema):
    items = fields.List(fields.Nested(StandardItemSchema))
