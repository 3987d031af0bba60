"""The computed trust grade over the running system (README "The trust grade"): a certified
unit's store page shows its grade, why, and what would raise it; complaints filed against it,
one answered in time and one left past its deadline (6 s in the test stack), lower the points
as the formula says; a failed spot check caps the grade's stars at 2. Each change reaches the
page the gateway keeps through the registry's events (tests/e2e/test_store_page_cache.py)."""
from devtools.waiting import poll
from tests.e2e.registry_steps import certify, record
from tests.e2e.test_complaints import file, filing, post

MOMENTS = 15  # seconds: the events' way to the registry and the dropped page's to the gateway
# every page read counts a scan: read slowly, so that the activity stays under the floor of 100
# units the complaint volume is counted against (trust_grade.factors)
PAGE_POLL_SECONDS = 0.5
ACTIVITY_FLOOR = 100


def page(client, code, locale="zh-CN"):
    response = client.get(f"/api/v1/public/stores/{code}", headers={"Accept-Language": locale})
    assert response.status_code == 200, response.text
    return response.json()


def grade_on_page(client, code, holds, locale="zh-CN"):
    """The page's trust grade once ``holds(grade)``, polled slowly (each read is a scan)."""
    return poll(lambda: page(client, code, locale)["trust_grade"],
                lambda grade: grade is not None and holds(grade), seconds=MOMENTS,
                interval=PAGE_POLL_SECONDS)


def points(grade):
    return {factor["name"]: factor["points"] for factor in grade["factors"]}


def stars_announced(registry_events, merchant_id, stars):
    return poll(lambda: registry_events.events("merchant_grade_changed", merchant_id=merchant_id,
                                               stars=stars), bool, seconds=MOMENTS)


def unit(client, merchants, region):
    merchant_id, token, _ = certify(client, merchants, region=region)
    return merchant_id, token, record(client, token, merchant_id)["store_code"]


def test_a_certified_unit_shows_its_grade_and_complaints_lower_it(client, merchants,
                                                                  registry_events):
    merchant_id, merchant, code = unit(client, merchants, "330106")
    fresh = grade_on_page(client, code, lambda grade: True)
    assert (fresh["score"], fresh["stars"], fresh["vetoes"]) == (95.0, 5, [])
    assert fresh["to_raise"][0]["factor"] == "satisfaction"  # nobody rated it yet

    complaints = [file(client, client.token(role="consumer", sub=f"grade-{n}-{merchant_id}"),
                       filing(merchant_id, category=category))
                  for n, category in enumerate(("quality", "price"))]
    answered = post(client, merchant, complaints[0]["complaint_id"], "responses",
                    {"proposal": "refund", "message": "全额退款", "amount_fen": 2500}).json()
    assert answered["timely"] is True
    # the second is left unanswered: its deadline passes and it counts as answered late
    assert stars_announced(registry_events, merchant_id, 3)
    lowered = grade_on_page(client, code, lambda grade: grade["score"] < 80)
    kept = record(client, merchant, merchant_id)
    assert kept["scan_count"] <= ACTIVITY_FLOOR
    # the merchant's own record shows the grade too (its labels in Chinese)
    assert (kept["trust_grade"]["score"], kept["trust_grade"]["stars"]) == (75.5, 3)
    assert "trust" not in kept and "redemptions_seen" not in kept
    # 2 complaints per (at most) 100 units of activity: 30 · (1 − 2/5); one of two in time
    assert points(lowered)["complaint_volume"] == 18.0
    assert points(lowered)["answered_in_time"] == 7.5
    assert (lowered["score"], lowered["stars"]) == (75.5, 3)
    assert [hint["factor"] for hint in lowered["to_raise"]][:2] == ["complaint_volume",
                                                                   "answered_in_time"]

    english = page(client, code, "en")["trust_grade"]
    assert english["to_raise"][0]["hint"] == "fewer complaints for its activity"
    html = client.get(f"/s/{code}", headers={"Accept-Language": "en"}).text
    assert 'data-score="75.5" data-stars="3"' in html and "What would raise it" in html


def test_a_failed_spot_check_caps_the_grade_at_two_stars(client, merchants, registry_events):
    merchant_id, _, code = unit(client, merchants, "330111")
    assert grade_on_page(client, code, lambda grade: True)["stars"] == 5
    city = client.token(role="regulator", sub="grade-city", region="330100", level="city")
    before = grade_distribution(client, city, "330111")
    assert before["by_stars"]["5"] >= 1
    batch = client.post("/api/v1/spot-checks", city, json={"region": "330111", "sample_size": 50})
    assert batch.status_code == 201, batch.text
    [task] = [t for t in batch.json()["items"] if t["merchant_id"] == merchant_id]
    station = client.token(role="regulator", sub="grade-station", region="330111",
                           level="station")
    result = client.post(f"/api/v1/spot-checks/{task['task_id']}/result", station,
                         json={"result": "warn", "notes": "价签不清"})
    assert result.status_code == 200, result.text

    assert stars_announced(registry_events, merchant_id, 2)
    capped = grade_on_page(client, code, lambda grade: grade["stars"] == 2)
    # 15 spot-check points lost: 80, four stars by the score, two by the veto
    assert (capped["score"], capped["stars"]) == (80.0, 2)
    assert [veto["code"] for veto in capped["vetoes"]] == ["failed_spot_check"]
    assert capped["vetoes"][0]["label"] == "一年内抽查未通过：最高 2 星"
    assert page(client, code)["status"] == "warned"  # a warned unit keeps its grade
    assert 'data-veto="failed_spot_check"' in client.get(f"/s/{code}").text
    # the regulators' distribution of the county follows the unit from five stars to two
    after = poll(lambda: grade_distribution(client, city, "330111"),
                 lambda figures: figures["by_stars"]["2"] == before["by_stars"]["2"] + 1,
                 seconds=MOMENTS)
    assert after["by_stars"]["2"] == before["by_stars"]["2"] + 1
    assert after["graded"] == before["graded"]


def grade_distribution(client, token, region):
    response = client.get("/api/v1/stats/grades", token, params={"region": region})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_grade_distribution_is_for_regulators_of_the_region(client):
    county = client.token(role="regulator", sub="grade-county", region="330106",
                          level="county")
    assert client.get("/api/v1/stats/grades", county,
                      params={"region": "330108"}).json()["error"]["code"] == \
        "OUT_OF_JURISDICTION"
    consumer = client.token(role="consumer", sub="grade-consumer")
    assert client.get("/api/v1/stats/grades", consumer).status_code == 403
