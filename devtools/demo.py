"""A little demo data, loaded through the gateway like any client would."""
import requests

from services.registry.credit_code import check_character

FUTURE = "2030-12-31"


def credit_code(body17):
    return body17 + check_character(body17)


def dev_token(base_url, **claims):
    response = requests.post(f"{base_url}/api/v1/auth/dev-token", json=claims, timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def application(name, code, industry="catering", region="330106", complete=True):
    items = {item["key"]: True for item in STANDARD_ITEMS}
    if not complete:
        items["no_unresolved_disputes"] = False
    return {
        "name": name, "credit_code": code, "unit_type": "store", "industry": industry,
        "region": region, "address": "杭州市西湖区文三路 100 号",
        "location": {"lng": 120.13, "lat": 30.28}, "contact_phone": "13800138000",
        "licences": [
            {"kind": "business_licence", "number": "BL-" + code[-6:], "valid_until": FUTURE},
            {"kind": "food_operation", "number": "JY-" + code[-6:], "valid_until": FUTURE},
        ],
        "commitments": {"no_reason_return_days": 7, "first_inquiry_responsibility": True},
        "declaration": {"items": items},
    }


from services.registry.catalogue import STANDARD as STANDARD_ITEMS  # noqa: E402

DEMO_MERCHANTS = [
    ("demo-m-1", application("西湖知味小馆", credit_code("91330106MA2B00001"))),
    ("demo-m-2", application("文三路便民超市", credit_code("91330106MA2B00002"),
                             industry="supermarket", complete=False)),
]


def load(base_url):
    """Applies the demo merchants (again-safe: an existing one answers 409)."""
    results = []
    for merchant_id, body in DEMO_MERCHANTS:
        token = dev_token(base_url, role="merchant", sub=f"{merchant_id}-owner",
                          merchant_id=merchant_id)
        response = requests.post(f"{base_url}/api/v1/merchants", json=body, timeout=10,
                                 headers={"Authorization": f"Bearer {token}"})
        results.append((merchant_id, response.status_code, token))
    return results
