"""Every open state of a complaint ends by itself, through the whole system: a stack of its own
(its own vhost and databases) whose deadlines are seconds, so that they pass during the test.
Each ending is stored, published, counted in the regulator's figures and told to both
parties' inboxes. The same stack re-evaluates certified units every few seconds instead of
every year (后评价): the grade sets the stars, and a regulator's override lasts until then."""
import uuid
from datetime import UTC, datetime

import pytest

from devtools.waiting import poll
from services.complaints import working_days
from tests.conftest import RUN_ID, private_vhost
from tests.e2e.conftest import Client, Merchants, running_system
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import certify

SHORT_DEADLINES = {"COMPLAINT_SCREENING_SLA_SECONDS": "2", "COMPLAINT_RESPONSE_SLA_SECONDS": "30",
                   "COMPLAINT_DECISION_SLA_SECONDS": "2", "COMPLAINT_MEDIATION_SLA_SECONDS": "6",
                   "COMPLAINT_SLA_SCAN_SECONDS": "0.3",
                   # the yearly re-evaluation of certified units, every few seconds here
                   "RE_EVALUATION_SECONDS": "4", "REGISTRY_SCAN_SECONDS": "0.5"}


@pytest.fixture(scope="module")
def client(system_env, providers, tmp_path_factory):
    with private_vhost(system_env["AMQP_URI"], "fangxin-deadlines") as amqp_uri:
        env = {**system_env, **providers.env, **SHORT_DEADLINES, "AMQP_URI": amqp_uri,
               "MONGO_DB_PREFIX": f"t{RUN_ID}d_"}
        with running_system(tmp_path_factory.mktemp("deadline-stack"), env) as system:
            yield Client(system.gateway_url)


@pytest.fixture(scope="module")
def merchants(client):
    """This stack's merchants (``shop`` of tests/e2e/conftest.py takes them, and ``client``)."""
    return Merchants(client)


def consumer_token(client):
    return client.token(role="consumer", sub=f"consumer-{uuid.uuid4().hex[:8]}")


def file(client, token, merchant_id, category="quality"):
    response = client.post("/api/v1/complaints", token, json={
        "merchant_id": merchant_id, "category": category, "title": "买到变质食品",
        "description": "牛奶已经变质", "amount_fen": 2500, "occurred_on": "2026-11-01",
        "evidence_urls": [], "contact_phone": "13912345678", "public_consent": False})
    assert response.status_code == 201, response.text
    return response.json()


def step(client, token, complaint_id, name, body):
    response = client.post(f"/api/v1/complaints/{complaint_id}/{name}", token, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def closed(client, token, complaint_id):
    return poll(lambda: client.get(f"/api/v1/complaints/{complaint_id}", token).json(),
                lambda c: c["status"] == "closed", seconds=30)


def told(client, token, complaint_id, event_type):
    """The inbox messages of ``event_type`` about the complaint (polled until there is one)."""
    def messages():
        items = client.get("/api/v1/me/notifications", token).json()["items"]
        return [m for m in items if complaint_id in m["body"] and m["event_type"] == event_type]
    return poll(messages, bool, seconds=20)


def test_a_proposal_left_unanswered_closes_as_accepted_and_both_parties_are_told(
        client, shop):
    merchant_id, merchant, _ = shop
    consumer = consumer_token(client)
    complaint_id = file(client, consumer, merchant_id)["complaint_id"]
    responded = step(client, merchant, complaint_id, "responses",
                     {"proposal": "refund", "message": "全额退款", "amount_fen": 2500})
    assert responded["deadlines"]["decision"]["unit"] == "seconds"
    ended = closed(client, consumer, complaint_id)
    assert (ended["closing"], ended["amount_recovered_fen"]) == ("accepted_by_default", 2500)
    assert [e["event"] for e in ended["timeline"]][-2:] == ["deadline_passed", "closed"]
    assert told(client, consumer, complaint_id, "complaint_closed")
    assert told(client, merchant, complaint_id, "complaint_closed")


def test_mediation_past_its_deadline_ends_unresolved_and_both_parties_are_told(
        client, shop):
    merchant_id, merchant, _ = shop
    consumer = consumer_token(client)
    complaint_id = file(client, consumer, merchant_id, "price")["complaint_id"]
    step(client, merchant, complaint_id, "responses",
         {"proposal": "apology", "message": "抱歉"})
    step(client, consumer, complaint_id, "decision", {"accept": False, "comment": "不接受"})
    ended = closed(client, consumer, complaint_id)
    assert ended["closing"] == "mediation_ended"
    assert told(client, consumer, complaint_id, "complaint_closed")
    assert told(client, merchant, complaint_id, "complaint_closed")
    regulator = client.token(role="regulator", sub="reg-deadlines", region="330100",
                             level="city")
    figures = poll(lambda: client.get("/api/v1/stats/complaints", regulator).json(),
                   lambda f: f["by_closing"]["mediation_ended"] >= 1, seconds=15)
    assert figures["by_closing"]["mediation_ended"] >= 1


def test_a_flagged_complaint_nobody_screens_goes_up_each_level_then_to_the_merchant(
        client, merchants):
    shops = [certify(client, merchants) for _ in range(3)]
    consumer = consumer_token(client)
    # a third merchant complained about in the window: a suspected professional claimant
    filed = [file(client, consumer, merchant_id) for merchant_id, _, _ in shops]
    flagged = filed[-1]
    assert flagged["status"] == "flagged"
    assert flagged["deadlines"]["screening"]["due_at"] == flagged["screening_deadline_at"]
    forwarded = poll(lambda: client.get(f"/api/v1/complaints/{flagged['complaint_id']}",
                                        consumer).json(),
                     lambda c: c["status"] == "forwarded", seconds=30)
    events = [e["event"] for e in forwarded["timeline"]]
    assert events.count("screening_escalated") == 2 and events[-1] == "forwarded"
    assert forwarded["screening_region"] == "330000"
    city = client.token(role="regulator", sub="reg-city", region="330100", level="city")
    assert told(client, city, flagged["complaint_id"], "complaint_screening_escalated")


def test_the_calendar_coverage_is_published_from_the_start(stack):
    figures = samples(stack.url_of("complaints"))
    assert figures[("fangxin_working_calendar_last_year", ())] == working_days.LAST_COVERED_YEAR
    today = working_days.local_day(datetime.now(UTC))
    assert figures[("fangxin_working_calendar_days_left", ())] in (
        working_days.days_left(today), working_days.days_left(today) + 1)  # across midnight


def test_the_yearly_re_evaluation_sets_the_grades_stars_over_a_regulators_override(
        client, shop):
    merchant_id, merchant, code = shop
    def merchant_record():
        return client.get(f"/api/v1/merchants/{merchant_id}", merchant).json()
    upgraded = poll(merchant_record, lambda m: m.get("reviewed_at") and m["stars"] == 5,
                    seconds=20)
    assert (upgraded["stars"], upgraded["pool"]) == (5, "star")
    assert told(client, merchant, "", "merchant_re_evaluated")
    city = client.token(role="regulator", sub="reg-stars", region="330100", level="city")
    overridden = client.put(f"/api/v1/merchants/{merchant_id}/stars", city,
                            json={"stars": 3, "reason": "现场检查发现卫生问题"})
    assert overridden.status_code == 200, overridden.text
    page = client.get(f"/api/v1/public/stores/{code}").json()
    assert page["stars"] == 3
    assert page["stars_set_by_regulator"]["reason"] == "现场检查发现卫生问题"
    again = poll(merchant_record, lambda m: m["reviewed_at"] > overridden.json()["updated_at"],
                 seconds=20)
    assert (again["stars"], again["stars_override"]) == (5, None)
