from datetime import date

import pytest
from marshmallow import ValidationError

from contracts.schemas.registry import MerchantApplicationSchema


def load(body):
    return MerchantApplicationSchema().load(body)


def errors_of(body):
    with pytest.raises(ValidationError) as caught:
        load(body)
    return caught.value.messages


def test_complete_body_is_accepted(application_body):
    loaded = load(application_body)
    assert loaded["credit_code"] == "91350100M000100Y43"
    assert loaded["licences"][0]["valid_until"] == date(2030, 12, 31)
    assert loaded["commitments"] == {"no_reason_return_days": 7, "cross_store_return": True,
                                     "first_inquiry_responsibility": False,
                                     "advance_compensation": False}


def test_optional_parts_get_defaults(application_body):
    del application_body["location"], application_body["licences"]
    loaded = load(application_body)
    assert loaded["location"] is None
    assert loaded["licences"] == []


ALL_COMMITMENT_DEFAULTS = {"no_reason_return_days": 0, "cross_store_return": False,
                           "first_inquiry_responsibility": False, "advance_compensation": False}


def test_empty_commitments_get_every_default(application_body):
    application_body["commitments"] = {}
    assert load(application_body)["commitments"] == ALL_COMMITMENT_DEFAULTS


def test_omitted_commitments_get_every_default(application_body):
    del application_body["commitments"]
    assert load(application_body)["commitments"] == ALL_COMMITMENT_DEFAULTS


@pytest.mark.parametrize("field", ["name", "credit_code", "region", "address", "contact_phone",
                                   "unit_type", "industry"])
@pytest.mark.parametrize("operator", [{"$gt": ""}, {"$ne": None}, ["x"]])
def test_mongo_operators_in_string_fields_are_rejected(application_body, field, operator):
    application_body[field] = operator
    assert field in errors_of(application_body)


def sets(path, value):
    """A change to the body: ``path`` is a list of keys/indexes, the last one is assigned."""
    def change(body):
        target = body
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


@pytest.mark.parametrize("change, field", [
    (sets(["credit_code"], "91350100M000100Y44"), "credit_code"),
    (sets(["credit_code"], "91350100m000100y43"), "credit_code"),
    (sets(["status"], "certified"), "status"),
    (sets(["_id"], "someone-else"), "_id"),
    (sets(["declaration", "items", "$where"], True), "declaration"),
    (sets(["declaration", "items", "has_everything"], True), "declaration"),
    (sets(["declaration", "signed"], True), "declaration"),
    (sets(["licences", 0, "verified"], True), "licences"),
    (sets(["contact_phone"], "12345"), "contact_phone"),
    (sets(["contact_phone"], "10800138000"), "contact_phone"),
    (sets(["region"], "35010"), "region"),
    (sets(["region"], "3501021"), "region"),
    (sets(["region"], "050102"), "region"),
    (sets(["region"], "35010a"), "region"),
    (sets(["region"], 350102), "region"),
    (sets(["commitments", "no_reason_return_days"], 10 ** 30), "commitments"),
    (sets(["commitments", "no_reason_return_days"], 91), "commitments"),
    (sets(["commitments", "no_reason_return_days"], -1), "commitments"),
    (sets(["commitments", "no_reason_return_days"], 7.0), "commitments"),
    (sets(["commitments", "no_reason_return_days"], "7"), "commitments"),
    (sets(["licences", 0, "kind"], "driving_licence"), "licences"),
    (sets(["licences", 0, "valid_until"], "31/12/2030"), "licences"),
    (sets(["licences"], [{"kind": "other", "number": "x", "valid_until": "2030-01-01"}] * 21),
     "licences"),
    (sets(["location", "lng"], 180.5), "location"),
    (sets(["location", "lat"], float("inf")), "location"),
    (sets(["location", "lat"], float("nan")), "location"),
    (sets(["name"], ""), "name"),
    (sets(["name"], "x" * 101), "name"),
    (sets(["unit_type"], "spaceport"), "unit_type"),
    (sets(["industry"], "mining"), "industry"),
])
def test_invalid_bodies_are_rejected(application_body, change, field):
    change(application_body)
    assert field in errors_of(application_body)


@pytest.mark.parametrize("field", ["name", "credit_code", "unit_type", "industry", "region",
                                   "address", "contact_phone", "declaration"])
def test_required_fields(application_body, field):
    del application_body[field]
    assert field in errors_of(application_body)


@pytest.mark.parametrize("phone", ["13800138000", "0571-87654321", "057187654321", "010-1234567"])
def test_mobile_and_landline_numbers_are_accepted(application_body, phone):
    application_body["contact_phone"] = phone
    assert load(application_body)["contact_phone"] == phone


@pytest.mark.parametrize("field", ["credit_code", "region", "contact_phone"])
def test_trailing_newline_is_rejected(application_body, field):
    application_body[field] += "\n"
    assert field in errors_of(application_body)
