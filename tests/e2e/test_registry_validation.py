"""An application with bad fields is refused with 422, field details, and nothing stored."""
import pytest
from pymongo import MongoClient

from plumbing.config import database_name

EXPIRED = [{"kind": "business_licence", "number": "BL-OLD", "valid_until": "2020-01-31"}]

CASES = [
    ("credit_code", "91330106000000042B", ["credit_code"]),       # wrong check character
    ("credit_code", "91330106I00000042A", ["credit_code"]),       # a letter the code never uses
    ("region", "990101", ["region"]),                             # no province 99
    ("region", "330006", ["region"]),                             # a county without its city
    ("region", "33010", ["region"]),
    ("industry", "weapons", ["industry"]),
    ("unit_type", "spaceship", ["unit_type"]),
    ("licences", EXPIRED, ["licences"]),
    ("location", {"lng": 181, "lat": 30}, ["location"]),
    ("location", {"lng": 120, "lat": -90.5}, ["location"]),
    ("name", "店" * 101, ["name"]),
    ("address", "路" * 201, ["address"]),
    ("licences", [{"kind": "business_licence", "number": "N" * 65,
                   "valid_until": "2030-01-01"}], ["licences"]),
]


@pytest.mark.parametrize("field, value, error_fields", CASES,
                         ids=[f"{field}-{i}" for i, (field, _, _) in enumerate(CASES)])
def test_bad_fields_are_422_with_details_and_nothing_is_stored(client, merchants, system_env,
                                                               field, value, error_fields):
    merchant_id, token, body = merchants.new()
    body[field] = value
    response = client.post("/api/v1/merchants", token, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert sorted(error["details"]) == error_fields
    stored = MongoClient(system_env["MONGO_URI"])[database_name("registry")]["merchants"]
    assert stored.find_one({"_id": merchant_id}) is None


def test_an_expired_licence_names_its_index_and_date(client, merchants):
    _, token, body = merchants.new()
    body["licences"][1]["valid_until"] = "2021-06-30"
    details = client.post("/api/v1/merchants", token, json=body).json()["error"]["details"]
    assert list(details["licences"]) == ["1"]
    assert "2021-06-30" in details["licences"]["1"]["valid_until"][0]


def test_a_patch_cannot_add_an_expired_licence_or_change_the_credit_code(client, merchants):
    merchant_id, token, body = merchants.new()
    client.post("/api/v1/merchants", token, json=body)
    expired = client.patch(f"/api/v1/merchants/{merchant_id}", token, json={"licences": EXPIRED})
    assert expired.status_code == 422
    recoded = client.patch(f"/api/v1/merchants/{merchant_id}", token,
                           json={"credit_code": body["credit_code"]})
    assert recoded.status_code == 422 and "credit_code" in recoded.json()["error"]["details"]
