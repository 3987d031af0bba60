"""Fixtures of the unit tests: pure data, no broker, no database."""
import copy
from datetime import date

import pytest

from contracts.catalogue import STANDARD_KEYS
from contracts.schemas.registry import MerchantApplicationSchema

# A published unified social credit code (Fuzhou, GB 32100-2015 check character "3").
VALID_CREDIT_CODE = "91350100M000100Y43"
TODAY = date(2026, 11, 21)

_BODY = {
    "name": "鼓楼放心小吃店",
    "credit_code": VALID_CREDIT_CODE,
    "unit_type": "store",
    "industry": "catering",
    "region": "350102",
    "address": "福州市鼓楼区东街 1 号",
    "location": {"lng": 119.296, "lat": 26.074},
    "contact_phone": "13800138000",
    "licences": [
        {"kind": "business_licence", "number": "BL-001", "valid_until": "2030-12-31"},
        {"kind": "food_operation", "number": "JY-001", "valid_until": "2029-06-30"},
    ],
    "commitments": {"no_reason_return_days": 7, "cross_store_return": True},
    "declaration": {"items": dict.fromkeys(sorted(STANDARD_KEYS), True)},
}


@pytest.fixture
def application_body():
    """A complete, valid ``POST /api/v1/merchants`` body, as the JSON parser returns it."""
    return copy.deepcopy(_BODY)


@pytest.fixture
def application(application_body):
    """The same application after the schema: what the registry's domain code receives."""
    return MerchantApplicationSchema().load(application_body)
