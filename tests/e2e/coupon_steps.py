"""Steps through the coupons API that the coupon end-to-end tests take: campaigns with a valid
default body, claims, redemptions, figures, and reading every page of a list."""
import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

OMIT = object()  # an override that leaves the field out of the body

# what a claim on a campaign whose stock is gone hears, also once the service has ended the
# sold-out campaign on its own
SOLD_OUT = (409, "SOLD_OUT")

SETTLEMENT_HEADER = ["merchant_id", "merchant_name", "redemptions", "order_fen", "discount_fen",
                     "held"]

KIND_DEFAULTS = {
    "voucher": {"face_value_fen": 1000, "min_spend_fen": 0},
    "discount": {"percent_off": 15, "cap_fen": 2000, "min_spend_fen": 0},
    "group_buy": {"face_value_fen": 6000},
    "lucky_draw": {"prize_tiers": [{"name": "一等奖", "face_value_fen": 888, "min_spend_fen": 0,
                                    "quantity": 2, "probability": 1.0}]},
}


def rfc3339(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_now(seconds):
    return rfc3339(datetime.now(UTC) + timedelta(seconds=seconds))


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def operator_token(client):
    return client.token(role="operator", sub=unique("operator"))


def new_consumer(client):
    """A consumer of its own: (sub, token)."""
    sub = unique("coupon-consumer")
    return sub, client.token(role="consumer", sub=sub)


def error_code(response):
    return response.json()["error"]["code"]


def campaign_body(kind="voucher", **overrides):
    """A valid campaign of ``kind`` claimable from a minute ago for an hour, for merchants in
    Hangzhou (3301xx). ``valid_until`` replaces ``valid_days``; ``OMIT`` drops a field."""
    body = {"name": unique(f"测试活动-{kind}"), "kind": kind, **KIND_DEFAULTS[kind],
            "total_quantity": 100, "per_consumer_limit": 1,
            "claim_starts_at": from_now(-60), "claim_ends_at": from_now(3600),
            "valid_days": 30, "eligibility": {"regions": ["330100"]}, "funding": "市财政消费券资金"}
    if "valid_until" in overrides:
        del body["valid_days"]
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not OMIT}


def create_campaign(client, operator, kind="voucher", **overrides):
    response = client.post("/api/v1/campaigns", operator, json=campaign_body(kind, **overrides))
    assert response.status_code == 201, response.text
    campaign = response.json()
    assert campaign["status"] == "draft" and campaign["campaign_id"]
    return campaign


def transition(client, operator, campaign_id, step):
    return client.post(f"/api/v1/campaigns/{campaign_id}/{step}", operator, json={})


def active_campaign(client, operator, kind="voucher", **overrides):
    """A campaign created and activated (its window has started): the campaign as answered."""
    campaign = create_campaign(client, operator, kind, **overrides)
    activated = transition(client, operator, campaign["campaign_id"], "activate")
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    return activated.json()


def campaign(client, operator, campaign_id):
    response = client.get(f"/api/v1/campaigns/{campaign_id}", operator)
    assert response.status_code == 200, response.text
    return response.json()


def claim(client, token, campaign_id, key=None, merchant_id=None, body=None):
    """The response to one claim; the body is ``{}`` unless a merchant (or a body) is given."""
    if body is None:
        body = {} if merchant_id is None else {"merchant_id": merchant_id}
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/campaigns/{campaign_id}/claims", token, json=body,
                       headers=headers)


def claimed(client, token, campaign_id, **kwargs):
    """A coupon claimed (201 asserted): the answer's body."""
    response = claim(client, token, campaign_id, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def coupon_for_new_consumer(client, campaign_id):
    """(consumer token, coupon) of a fresh consumer."""
    _, token = new_consumer(client)
    return token, claimed(client, token, campaign_id)


def redeem(client, merchant_token, code, order_amount_fen, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post("/api/v1/redemptions", merchant_token, headers=headers,
                       json={"code": code, "order_amount_fen": order_amount_fen})


def redeemed(client, merchant_token, code, order_amount_fen, **kwargs):
    response = redeem(client, merchant_token, code, order_amount_fen, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def rollback(client, merchant_token, redemption_id, reason="顾客退货退款"):
    return client.post(f"/api/v1/redemptions/{redemption_id}/rollback", merchant_token,
                       json={"reason": reason})


def pages(client, path, token=None, **params):
    """Every item of a paged list, following ``next_cursor``."""
    items, cursor = [], None
    for _ in range(1000):
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, token, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items
    raise AssertionError(f"{path} pages without end")


def my_coupons(client, token, campaign_id=None):
    """The consumer's coupons (of ``campaign_id`` if given)."""
    return [c for c in pages(client, "/api/v1/me/coupons", token)
            if campaign_id is None or c["campaign_id"] == campaign_id]


def coupon_status(client, token, coupon_id):
    [coupon] = [c for c in my_coupons(client, token) if c["coupon_id"] == coupon_id]
    return coupon["status"]


def stats(client, operator, campaign_id):
    response = client.get(f"/api/v1/campaigns/{campaign_id}/stats", operator)
    assert response.status_code == 200, response.text
    return response.json()


def settlement(client, operator, campaign_id):
    """(header, merchant rows, TOTAL row) of the settlement CSV, as lists of strings."""
    response = client.get(f"/api/v1/campaigns/{campaign_id}/settlement.csv", operator)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = [row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row]
    header, body = rows[0], rows[1:]
    assert body and body[-1][0] == "TOTAL", rows
    assert all(row[0] != "TOTAL" for row in body[:-1]), rows
    return header, body[:-1], body[-1]


def expected_discount(kind, order_fen, face_value_fen=None, percent_off=None, cap_fen=None):
    """The discount API.md's rules give, computed here on their own."""
    if kind in ("voucher", "lucky_draw"):
        return min(face_value_fen, order_fen)
    if kind == "discount":
        return min(order_fen * percent_off // 100, cap_fen)
    if kind == "group_buy":
        return order_fen - face_value_fen
    raise ValueError(kind)
