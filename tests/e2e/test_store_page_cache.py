"""Store pages from the gateway's memory: a scan does not reach the services while the page is
kept, the registry still counts every scan, and registry, complaint and campaign events drop a
kept page within moments (well inside STORE_PAGE_CACHE_SECONDS, 30 s in the test stack): a
consumer's rating too (its merchant_rated event)."""
from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, operator_token
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import act, certify, record
from tests.e2e.test_complaints import file, filing

MOMENTS = 5  # seconds: an event's way through the broker, far below the cache's time limit
PUBLIC_STORE_CALLS = ("fangxin_entrypoint_calls_total", (
    ("entrypoint", "public_store"), ("kind", "rpc"), ("outcome", "ok"), ("service", "registry")))


def unit(client, merchants):
    merchant_id, token, _ = certify(client, merchants, region="330106")
    return merchant_id, token, record(client, token, merchant_id)["store_code"]


def page(client, code):
    response = client.get(f"/api/v1/public/stores/{code}")
    assert response.status_code == 200, response.text
    return response.json()


def registry_page_calls(stack):
    return samples(stack.url_of("registry")).get(PUBLIC_STORE_CALLS, 0)


def test_repeated_scans_are_served_from_memory_and_all_counted(stack, client, merchants):
    merchant_id, token, code = unit(client, merchants)
    before = registry_page_calls(stack)
    for _ in range(4):
        page(client, code)
    assert client.get(f"/s/{code}").status_code == 200
    assert registry_page_calls(stack) - before == 1
    counted = poll(lambda: record(client, token, merchant_id)["scan_count"],
                   lambda n: n == 5, seconds=10)
    assert counted == 5


def test_a_registry_change_reaches_a_kept_page_within_moments(client, merchants):
    merchant_id, _, code = unit(client, merchants)
    assert page(client, code)["status"] == "certified"
    assert 'data-status="certified"' in client.get(f"/s/{code}").text  # its HTML is kept too
    county = client.token(role="regulator", sub="cache-county", region="330106", level="county")
    act(client, county, merchant_id, "suspend", "抽检不合格")
    shown = poll(lambda: page(client, code)["status"], lambda s: s == "suspended",
                 seconds=MOMENTS)
    assert shown == "suspended"
    html = poll(lambda: client.get(f"/s/{code}").text, lambda text: "已暂停" in text,
                seconds=MOMENTS)
    assert 'data-status="suspended"' in html


def test_a_new_complaint_reaches_the_figures_of_a_kept_page(client, merchants):
    merchant_id, _, code = unit(client, merchants)
    assert page(client, code)["complaints"]["total"] == 0
    file(client, client.token(role="consumer", sub=f"cache-{merchant_id}"), filing(merchant_id))
    # a page composed while the complaints service is busy has no figures: poll past it
    shown = poll(lambda: page(client, code).get("complaints"), lambda c: c and c["total"] == 1,
                 seconds=MOMENTS)
    assert shown and shown["total"] == 1


def test_a_new_rating_reaches_a_kept_page_within_moments(client, merchants, registry_events):
    merchant_id, _, code = unit(client, merchants)
    assert page(client, code)["rating"] == {"count": 0, "average": None}
    assert "暂无消费者评价" in client.get(f"/s/{code}").text
    for n, score in enumerate((5, 4), start=1):
        consumer = client.token(role="consumer", sub=f"rater-{n}-{merchant_id}")
        answer = client.post(f"/api/v1/merchants/{merchant_id}/ratings", consumer,
                             json={"score": score, "comment": "好"})
        assert answer.status_code == 201, answer.text
    assert answer.json() == {"merchant_id": merchant_id, "count": 2, "average": 4.5}
    announced = poll(lambda: registry_events.events("merchant_rated", merchant_id=merchant_id),
                     lambda seen: len(seen) == 2, seconds=MOMENTS)
    assert sorted(e["data"]["score"] for e in announced) == [4, 5]
    shown = poll(lambda: page(client, code)["rating"], lambda r: r["count"] == 2,
                 seconds=MOMENTS)
    assert shown == {"count": 2, "average": 4.5}
    html = poll(lambda: client.get(f"/s/{code}").text, lambda text: "4.5" in text,
                seconds=MOMENTS)
    assert "2 人评价" in html


def test_a_campaign_activated_later_shows_on_a_kept_page(client, merchants):
    _, _, code = unit(client, merchants)
    page(client, code)
    taken = active_campaign(client, operator_token(client),
                            eligibility={"regions": ["330100"]})
    shown = poll(lambda: [c["name"] for c in page(client, code).get("coupons", [])],
                 lambda names: taken["name"] in names, seconds=MOMENTS)
    assert taken["name"] in shown
