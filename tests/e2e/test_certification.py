"""A merchant's whole certification life through the gateway: application, rejection and
resubmission, three reviews, the public page, spot checks, the licence feed, regulator actions."""
import pytest

from devtools.waiting import poll
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import REVIEWERS, act, certify, record, review


@pytest.fixture(scope="module")
def regulators(client):
    return {name: client.token(role="regulator", sub=f"reg-{name}", **claims)
            for name, claims in {**REVIEWERS, "province": dict(region="330000",
                                                                level="province"),
                                 "ningbo": dict(region="330200", level="city")}.items()}


def test_from_rejection_through_resubmission_and_three_reviews_to_a_public_store(
        client, merchants, regulators, registry_events):
    merchant_id, token, body = merchants.new()
    incomplete = {**body, "declaration": {"items": {**body["declaration"]["items"],
                                                    "no_price_fraud": False}}}
    rejected = client.post("/api/v1/merchants", token, json=incomplete).json()
    assert (rejected["status"], rejected["pool"]) == ("rejected", None)
    assert poll(lambda: registry_events.events("merchant_rejected", merchant_id=merchant_id),
                bool)

    resubmitted = client.post(f"/api/v1/merchants/{merchant_id}/resubmit", token, json=body)
    assert resubmitted.status_code == 200, resubmitted.text
    assert (resubmitted.json()["status"], resubmitted.json()["pool"]) == (
        "pending_onsite", "selection")

    assert review(client, regulators, merchant_id, "county").json()["error"]["code"] == \
        "WRONG_STAGE"
    expected = [("onsite", "pending_county"), ("county", "pending_final"),
                ("final", "certified")]
    for stage, status in expected:
        response = review(client, regulators, merchant_id, stage)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    merchant = record(client, token, merchant_id)
    assert merchant["pool"] == "cultivation"
    assert len(merchant["store_code"]) >= 16
    assert [(h["from"], h["to"]) for h in merchant["history"]] == [
        (None, "rejected"), ("rejected", "pending_onsite"), ("pending_onsite", "pending_county"),
        ("pending_county", "pending_final"), ("pending_final", "certified")]
    assert [h["by"] for h in merchant["history"][2:]] == ["reg-onsite", "reg-county",
                                                          "reg-final"]
    certified = poll(lambda: registry_events.events("merchant_certified",
                                                    merchant_id=merchant_id), bool)
    assert certified[0]["data"]["store_code"] == merchant["store_code"]
    assert len(registry_events.events("merchant_review_recorded", merchant_id=merchant_id)) == 3

    page = client.get(f"/api/v1/public/stores/{merchant['store_code']}")
    assert page.status_code == 200
    assert page.json()["status"] == "certified"
    assert "contact_phone" not in page.text

    found = client.get("/api/v1/public/merchants", params={"q": body["name"]}).json()
    assert [m["merchant_id"] for m in found["items"]] == [merchant_id]

    stars = client.put(f"/api/v1/merchants/{merchant_id}/stars", regulators["final"],
                       json={"stars": 3})
    assert (stars.json()["stars"], stars.json()["pool"]) == (3, "star")


def test_reviews_need_the_right_level_region_and_role(client, merchants, regulators):
    merchant_id, token, body = merchants.new()
    client.post("/api/v1/merchants", token, json=body)
    assert review(client, regulators, merchant_id, "onsite", as_="ningbo").json()["error"][
        "code"] == "OUT_OF_JURISDICTION"
    assert review(client, regulators, merchant_id, "onsite").status_code == 200
    wrong_level = review(client, regulators, merchant_id, "county", as_="onsite")
    assert (wrong_level.status_code, wrong_level.json()["error"]["code"]) == (
        403, "INSUFFICIENT_LEVEL")
    assert client.post(f"/api/v1/merchants/{merchant_id}/reviews", token,
                       json={"stage": "county", "decision": "pass"}).status_code == 403
    other_owner = client.token(role="merchant", sub="intruder", merchant_id="someone")
    patch = client.patch(f"/api/v1/merchants/{merchant_id}", other_owner,
                         json={"address": "elsewhere"})
    assert patch.status_code == 403
    own = client.patch(f"/api/v1/merchants/{merchant_id}", token, json={"address": "新地址 1 号"})
    assert own.json()["address"] == "新地址 1 号"
    assert own.json()["history"][-1]["reason"] == "资料更新: address"


def test_a_failed_review_rejects_with_the_reviewers_reasons(client, merchants, regulators):
    merchant_id, token, body = merchants.new()
    client.post("/api/v1/merchants", token, json=body)
    failed = review(client, regulators, merchant_id, "onsite", decision="fail").json()
    assert failed["status"] == "rejected"
    assert failed["rejection_reasons"] == [
        {"code": "REVIEW_FAILED", "message": "onsite fail", "stage": "onsite"}]


def test_a_spot_check_failure_delists_and_the_page_says_so(client, merchants, regulators,
                                                          registry_events):
    merchant_id, token, _ = certify(client, merchants, region="330109")
    batch = client.post("/api/v1/spot-checks", regulators["final"],
                        json={"region": "330109", "sample_size": 50})
    assert batch.status_code == 201, batch.text
    [task] = [t for t in batch.json()["items"] if t["merchant_id"] == merchant_id]
    assert poll(lambda: registry_events.events("spot_check_assigned", task_id=task["task_id"]),
                bool)
    listed = client.get("/api/v1/spot-checks", regulators["province"],
                        params={"status": "assigned"}).json()
    assert task["task_id"] in [t["task_id"] for t in listed["items"]]

    station = client.token(role="regulator", sub="inspector", region="330109", level="station")
    result = client.post(f"/api/v1/spot-checks/{task['task_id']}/result", station,
                         json={"result": "fail", "notes": "无证经营食品"})
    assert result.status_code == 200 and result.json()["result"] == "fail"
    merchant = record(client, token, merchant_id)
    assert (merchant["status"], merchant["pool"]) == ("delisted", None)
    assert merchant["history"][-1]["by"] == "inspector"
    assert poll(lambda: registry_events.events("spot_check_completed", task_id=task["task_id"]),
                bool)[0]["data"]["merchant_status"] == "delisted"
    again = client.post(f"/api/v1/spot-checks/{task['task_id']}/result", station,
                        json={"result": "pass"})
    assert again.status_code == 409

    page = client.get(f"/api/v1/public/stores/{merchant['store_code']}").json()
    assert page["status"] == "delisted"
    found = client.get("/api/v1/public/merchants", params={"region": "330109"}).json()
    assert merchant_id not in [m["merchant_id"] for m in found["items"]]


def test_the_licence_feed_suspends_restores_and_revokes(client, merchants, regulators,
                                                        registry_events):
    merchant_id, token, body = certify(client, merchants)
    system = client.token(role="system", sub="licence-registry")

    def feed(event, **extra):
        return client.post("/api/v1/registry/licence-events", system, json={
            "credit_code": body["credit_code"], "event": event,
            "occurred_at": "2026-11-21T08:00:00Z", **extra})

    code = record(client, token, merchant_id)["store_code"]

    def page_shows(status):  # the gateway's cached page is dropped by the registry's event
        return poll(lambda: client.get(f"/api/v1/public/stores/{code}").json()["status"],
                    lambda shown: shown == status, seconds=5) == status

    assert feed("abnormal_listed").json()["status"] == "suspended"
    assert record(client, token, merchant_id)["pool"] is None
    assert page_shows("suspended")
    assert feed("abnormal_cleared").json()["status"] == "certified"
    assert page_shows("certified")
    changed = feed("changed", changes={"name": "新店名"}).json()
    assert changed["changed"] is True and record(client, token, merchant_id)["name"] == "新店名"

    county = regulators["county"]
    assert act(client, county, merchant_id, "suspend").json()["status"] == "suspended"
    assert feed("abnormal_cleared").json()["changed"] is False  # a regulator's suspension holds
    assert act(client, county, merchant_id, "restore").json()["status"] == "certified"
    assert feed("revoked").json()["status"] == "delisted"
    assert page_shows("delisted")
    moves = [(e["data"]["from"], e["data"]["to"]) for e in poll(
        lambda: registry_events.events("merchant_status_changed", merchant_id=merchant_id),
        lambda found: len(found) >= 5)]
    assert moves == [("certified", "suspended"), ("suspended", "certified"),
                     ("certified", "suspended"), ("suspended", "certified"),
                     ("certified", "delisted")]


def test_regulator_actions_and_their_levels(client, merchants, regulators):
    merchant_id, token, _ = certify(client, merchants)
    assert act(client, regulators["onsite"], merchant_id, "warn").json()["error"]["code"] == \
        "INSUFFICIENT_LEVEL"
    warned = act(client, regulators["county"], merchant_id, "warn").json()
    assert (warned["status"], warned["pool"]) == ("warned", "warning")
    assert act(client, regulators["county"], merchant_id, "warn").json()["error"]["code"] == \
        "WRONG_STATE"
    assert act(client, regulators["county"], merchant_id, "clear_warning").json()[
        "status"] == "certified"
    assert act(client, regulators["county"], merchant_id, "red_list").status_code == 403
    assert act(client, regulators["final"], merchant_id, "red_list").json()["red_listed"]
    red = client.get("/api/v1/public/lists/red").json()
    assert merchant_id in [m["merchant_id"] for m in red["items"]]
    black = act(client, regulators["final"], merchant_id, "black_list").json()
    assert (black["status"], black["black_listed"]) == ("delisted", True)
    assert merchant_id in [m["merchant_id"] for m in
                           client.get("/api/v1/public/lists/black").json()["items"]]
    assert merchant_id not in [m["merchant_id"] for m in
                               client.get("/api/v1/public/lists/red").json()["items"]]


def test_consumers_rate_once_per_30_days(client, merchants, regulators):
    merchant_id, _, _ = certify(client, merchants)
    consumer = client.token(role="consumer", sub="rater-1")
    first = client.post(f"/api/v1/merchants/{merchant_id}/ratings", consumer,
                        json={"score": 4, "comment": "好"})
    assert first.status_code == 201 and first.json() == {
        "merchant_id": merchant_id, "count": 1, "average": 4.0}
    again = client.post(f"/api/v1/merchants/{merchant_id}/ratings", consumer, json={"score": 1})
    assert again.json()["error"]["code"] == "ALREADY_RATED"
    other = client.token(role="consumer", sub="rater-2")
    assert client.post(f"/api/v1/merchants/{merchant_id}/ratings", other,
                       json={"score": 5}).json()["average"] == 4.5


def test_public_search_by_region_industry_commitment_and_distance(client, merchants,
                                                                  regulators):
    near_id, _, _ = certify(client, merchants, region="330110",
                            location={"lng": 120.0, "lat": 30.3})
    far_id, _, _ = certify(client, merchants, region="330110",
                           location={"lng": 120.05, "lat": 30.3},
                           commitments={"advance_compensation": True})
    search = lambda **params: [m["merchant_id"] for m in client.get(  # noqa: E731
        "/api/v1/public/merchants", params=params).json()["items"]]
    assert {near_id, far_id} <= set(search(region="330100"))
    assert near_id not in search(region="330200")
    assert search(region="330110", commitment="advance_compensation") == [far_id]
    nearby = client.get("/api/v1/public/merchants", params={
        "near": "120.001,30.3", "radius_m": 10000, "region": "330110"}).json()["items"]
    assert [m["merchant_id"] for m in nearby] == [near_id, far_id]
    assert nearby[0]["distance_m"] < nearby[1]["distance_m"]
    assert search(near="120.001,30.3", radius_m=500, region="330110") == [near_id]
    assert "contact_phone" not in str(nearby)


def test_the_standing_rpc_and_complaint_warnings(client, merchants, regulators, system_env):
    from nameko.standalone.events import event_dispatcher
    from nameko.standalone.rpc import ClusterRpcProxy

    from plumbing.clock import Clock
    from plumbing.events import new_event

    merchant_id, token, _ = certify(client, merchants)
    config = {"AMQP_URI": system_env["AMQP_URI"]}
    with ClusterRpcProxy(config) as cluster:
        standing = cluster.registry.standing(merchant_id)
        assert (standing["known"], standing["eligible"]) == (True, True)
        assert cluster.registry.standing("nobody") == {"known": False, "eligible": False}
    event = new_event("complaints", "merchant_complaint_threshold_exceeded",
                      {"merchant_id": merchant_id, "count": 12}, Clock())
    event_dispatcher(config)("complaints", "merchant_complaint_threshold_exceeded", event)
    merchant = poll(lambda: record(client, token, merchant_id),
                    lambda m: m["status"] == "warned")
    assert merchant["pool"] == "warning"


def test_a_licence_about_to_expire_moves_the_unit_to_the_warning_library(client, merchants,
                                                                        regulators):
    from datetime import date, timedelta

    soon = (date.today() + timedelta(days=10)).isoformat()
    merchant_id, token, body = merchants.new()
    body["licences"][1]["valid_until"] = soon
    assert client.post("/api/v1/merchants", token, json=body).json()["status"] == \
        "pending_onsite"
    for stage in ("onsite", "county", "final"):
        assert review(client, regulators, merchant_id, stage).status_code == 200
    merchant = poll(lambda: record(client, token, merchant_id),
                    lambda m: m["status"] == "warned")
    assert (merchant["pool"], merchant["history"][-1]["reason"]) == ("warning", "证照即将到期")


def test_registry_metrics_show_merchants_by_status_and_store_page_scans(stack, client, merchants,
                                                                        regulators):
    merchant_id, token, _ = certify(client, merchants)
    code = record(client, token, merchant_id)["store_code"]
    assert client.get(f"/api/v1/public/stores/{code}").status_code == 200

    figures = poll(lambda: samples(stack.url_of("registry")), lambda found: found.get(
        ("fangxin_registry_merchants", (("status", "certified"),)), 0) >= 1)
    assert figures[("fangxin_registry_store_page_scans_total", ())] >= 1
    assert ("fangxin_registry_merchants", (("status", "pending_onsite"),)) in figures
    assert figures[("fangxin_registry_reviews_total",
                    (("decision", "pass"), ("stage", "final")))] >= 1
