"""Every list of API.md, walked page by page through the gateway, shows each of its items
exactly once, with pages of at most ``limit``; items are made concurrently, so that many share
a second (tests/integration/test_keyed_store.py pins items of one microsecond on the store)."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, claim, operator_token
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import filing

WORKERS = 16


def walk(client, path, token=None, limit=3, **params):
    """Every item of a list, in the order the pages give them; the pages' sizes."""
    items, sizes, cursor = [], [], None
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, token, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes


def once(ids):
    return len(ids) == len(set(ids))


def concurrently(calls):
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda call: call(), calls))


@pytest.fixture(scope="module")
def complained(client, merchants):
    """A merchant with e-mail notifications, and 24 complaints against it filed at once by 24
    consumers: (merchant_id, merchant token, complaint ids)."""
    merchant_id, token, _ = certify(client, merchants, region="330109")
    assert client.put("/api/v1/me/preferences", token, json={
        "locale": "zh-CN", "region": None, "contacts": {"email": "shop@fangxin.test"},
        "opt_out": {}}).status_code == 200
    consumers = [client.token(role="consumer", sub=f"walker-{uuid.uuid4().hex[:8]}")
                 for _ in range(24)]
    filed = concurrently([lambda t=t: client.post("/api/v1/complaints", t,
                                                  json=filing(merchant_id))
                          for t in consumers])
    assert all(r.status_code == 201 for r in filed), [r.text for r in filed]
    return merchant_id, token, [r.json()["complaint_id"] for r in filed]


def test_a_merchant_walks_its_complaints_once_each(client, complained):
    merchant_id, token, ids = complained
    items, sizes = walk(client, "/api/v1/complaints", token, limit=5)
    listed = [c["complaint_id"] for c in items]
    assert sorted(listed) == sorted(ids) and once(listed) and max(sizes) <= 5
    assert [c["filed_at"] for c in items] == sorted((c["filed_at"] for c in items),
                                                    reverse=True)


def test_a_regulator_walks_the_city_once_and_by_status(client, complained):
    _, _, ids = complained
    regulator = client.token(role="regulator", sub="walk-city", region="330100", level="city")
    listed = [c["complaint_id"] for c in walk(client, "/api/v1/complaints", regulator,
                                              limit=7)[0]]
    assert set(ids) <= set(listed) and once(listed)
    forwarded = [c["complaint_id"] for c in walk(client, "/api/v1/complaints", regulator,
                                                 limit=4, status="forwarded")[0]]
    assert set(ids) <= set(forwarded) and once(forwarded)


@pytest.mark.parametrize("path", ["/api/v1/me/notifications", "/api/v1/me/deliveries"])
def test_the_merchant_inbox_and_deliveries_walk_once(client, complained, path):
    _, token, ids = complained

    def forwarded(items):
        return sum(item["event_type"] == "complaint_forwarded" for item in items)

    poll(lambda: walk(client, path, token, limit=100)[0], lambda items: forwarded(items) >=
         len(ids), seconds=60)
    items, sizes = walk(client, path, token, limit=4)
    assert once([item["notification_id"] for item in items]) and max(sizes) <= 4
    assert forwarded(items) == len(ids)


def test_a_consumer_walks_its_complaints_and_coupons_once(client, merchants):
    sub = f"walker-{uuid.uuid4().hex[:8]}"
    token = client.token(role="consumer", sub=sub)
    shops = [certify(client, merchants, region="330108")[0] for _ in range(4)]
    filed = concurrently([lambda s=s, c=c: client.post("/api/v1/complaints", token,
                                                       json=filing(s, category=c))
                          for s in shops for c in ("quality", "price")])
    assert all(r.status_code == 201 for r in filed), [r.text for r in filed]
    listed = [c["complaint_id"] for c in walk(client, "/api/v1/complaints", token, limit=3)[0]]
    assert sorted(listed) == sorted(r.json()["complaint_id"] for r in filed)

    operator = operator_token(client)
    campaigns = [active_campaign(client, operator)["campaign_id"] for _ in range(7)]
    claimed = concurrently([lambda c=c: claim(client, token, c, key=uuid.uuid4().hex)
                            for c in campaigns])
    assert all(r.status_code == 201 for r in claimed), [r.text for r in claimed]
    coupons, sizes = walk(client, "/api/v1/me/coupons", token, limit=2)
    assert sorted(c["coupon_id"] for c in coupons) == sorted(r.json()["coupon_id"]
                                                             for r in claimed)
    assert max(sizes) <= 2


def test_public_campaigns_page_by_cursor_and_limit(client):
    operator = operator_token(client)
    ours = {active_campaign(client, operator)["campaign_id"] for _ in range(5)}
    items, sizes = walk(client, "/api/v1/public/campaigns", limit=2)
    listed = [c["campaign_id"] for c in items]
    assert ours <= set(listed) and once(listed) and max(sizes) <= 2 and len(sizes) >= 3


def test_public_search_walks_a_county_by_region_keyword_and_distance(client, merchants):
    made = [certify(client, merchants, region="330127", name=f"千岛湖鱼头馆{n}",
                    location={"lng": 119.04 + n / 1000, "lat": 29.6}) for n in range(7)]
    ids = sorted(m for m, _, _ in made)
    for params in ({"region": "330127"}, {"region": "330100", "q": "千岛湖鱼头"},
                   {"near": "119.04,29.6", "radius_m": 2000}):
        items, sizes = walk(client, "/api/v1/public/merchants", limit=2, **params)
        listed = [m["merchant_id"] for m in items]
        assert sorted(m for m in listed if m in ids) == ids and once(listed), params
        assert max(sizes) <= 2
    nearest = walk(client, "/api/v1/public/merchants", limit=3, near="119.04,29.6",
                   radius_m=2000)[0]
    distances = [m["distance_m"] for m in nearest]
    assert distances == sorted(distances)


def test_a_merchant_asking_for_another_merchants_complaints_gets_none(client, complained,
                                                                     merchants):
    other_id, other, _ = certify(client, merchants, region="330109")
    merchant_id, _, _ = complained
    response = client.get("/api/v1/complaints", other, params={"merchant_id": merchant_id})
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}
