"""A little demo data, loaded through the gateway like any client would: two applications
(one certified through the three reviews, one rejected by the pre-check) and an active
coupon campaign for the certified shop's city."""
from datetime import UTC, datetime, timedelta

import requests

from contracts.catalogue import STANDARD
from contracts.credit_code import check_character

FUTURE = "2030-12-31"
CAMPAIGN_NAME = "西湖区餐饮消费券（演示）"
REVIEWERS = (("onsite", "330106", "station"), ("county", "330106", "county"),
             ("final", "330100", "city"))


def credit_code(body17):
    return body17 + check_character(body17)


def dev_token(base_url, **claims):
    response = requests.post(f"{base_url}/api/v1/auth/dev-token", json=claims, timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def application(name, code, industry="catering", region="330106", complete=True):
    items = {item["key"]: True for item in STANDARD}
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


DEMO_MERCHANTS = [
    ("demo-m-1", application("西湖知味小馆", credit_code("91330106MA2B00001"))),
    ("demo-m-2", application("文三路便民超市", credit_code("91330106MA2B00002"),
                             industry="supermarket", complete=False)),
]


class Demo:
    def __init__(self, base_url):
        self.base_url = base_url

    def call(self, method, path, token, **kwargs):
        return requests.request(method, self.base_url + path, timeout=10,
                                headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def load(self):
        """Loads the demo (again-safe: what exists answers 409). What to show: a dict."""
        tokens = {}
        for merchant_id, body in DEMO_MERCHANTS:
            tokens[merchant_id] = dev_token(self.base_url, role="merchant",
                                            sub=f"{merchant_id}-owner", merchant_id=merchant_id)
            self.call("POST", "/api/v1/merchants", tokens[merchant_id], json=body)
        self.certify("demo-m-1")
        merchant = self.call("GET", "/api/v1/merchants/demo-m-1", tokens["demo-m-1"]).json()
        campaign = self.campaign()
        return {"merchant_token": tokens["demo-m-1"], "store_code": merchant.get("store_code"),
                "campaign_id": campaign.get("campaign_id")}

    def certify(self, merchant_id):
        for stage, region, level in REVIEWERS:
            token = dev_token(self.base_url, role="regulator", sub=f"demo-{stage}",
                              region=region, level=level)
            self.call("POST", f"/api/v1/merchants/{merchant_id}/reviews", token,
                      json={"stage": stage, "decision": "pass", "notes": "演示数据"})

    def campaign(self):
        running = requests.get(f"{self.base_url}/api/v1/public/campaigns", timeout=10).json()
        for campaign in running["items"]:
            if campaign["name"] == CAMPAIGN_NAME:
                return campaign
        operator = dev_token(self.base_url, role="operator", sub="demo-operator")
        now = datetime.now(UTC)
        created = self.call("POST", "/api/v1/campaigns", operator, json={
            "name": CAMPAIGN_NAME, "kind": "voucher", "face_value_fen": 2000,
            "min_spend_fen": 10000, "total_quantity": 1000, "per_consumer_limit": 2,
            "claim_starts_at": now.isoformat(),
            "claim_ends_at": (now + timedelta(days=7)).isoformat(), "valid_days": 14,
            "eligibility": {"regions": ["330100"], "industries": ["catering"]},
            "funding": "演示"}).json()
        if "campaign_id" in created:
            self.call("POST", f"/api/v1/campaigns/{created['campaign_id']}/activate", operator)
        return created


def load(base_url):
    return Demo(base_url).load()
