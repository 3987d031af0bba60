"""Shapes the gateway itself owns: its query parameters and system responses."""
from marshmallow import Schema, fields, validate

from contracts.identifiers import MAX_TAGS, consumer_tag
from plumbing.actors import LEVELS, ROLES


class PageQuerySchema(Schema):
    cursor = fields.String(validate=validate.Length(max=512))
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class StatsQuerySchema(PageQuerySchema):
    """A campaign's figures with a page of its per-merchant rows."""
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class BallotListQuerySchema(Schema):
    draw = fields.Integer(load_default=0, validate=validate.Range(0, 49), metadata={
        "description": "which of the ballot's draws (one per tranche, from 0)"})


class InboxQuerySchema(PageQuerySchema):
    unread = fields.Boolean(load_default=False)


class DevTokenRequestSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    sub = fields.String(required=True, validate=validate.Length(1, 64))
    merchant_id = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,64}\Z"))
    region = fields.String(validate=validate.Regexp(r"^[0-9]{6}\Z"))
    level = fields.String(validate=validate.OneOf(LEVELS))
    tags = fields.List(fields.String(validate=consumer_tag), validate=validate.Length(max=MAX_TAGS),
                       metadata={"description": "groups the identity provider vouches for"})


class TokenSchema(Schema):
    token = fields.String(required=True)


class SignInCodeRequestSchema(Schema):
    phone = fields.String(required=True, validate=validate.Length(1, 32),
                          metadata={"example": "13800138000"})


class SignInCodeSchema(Schema):
    expires_in_seconds = fields.Integer(required=True)


class SignInRequestSchema(SignInCodeRequestSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{6}\Z"),
                         metadata={"example": "042917"})


class SignInPageQuerySchema(Schema):
    next = fields.String(validate=validate.Length(max=500),
                         metadata={"description": "a path of this site to go to once signed in"})


class SignedInSchema(Schema):
    token = fields.String(required=True)
    sub = fields.String(required=True)
    expires_in_seconds = fields.Integer(required=True)


class StatusSchema(Schema):
    status = fields.String(required=True)
    service = fields.String()
    services = fields.Dict(keys=fields.String(), values=fields.String())


class SpotCheckQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(["assigned", "completed"]))
