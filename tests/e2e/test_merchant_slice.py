"""The vertical slice: a merchant applies, the registry stores it and emits merchant_applied,
the notifications service puts a message in the merchant's inbox."""
import json
from concurrent.futures import ThreadPoolExecutor

from pymongo import MongoClient

from devtools.waiting import poll
from plumbing.config import database_name


def inbox(client, token, **params):
    return client.get("/api/v1/me/notifications", token, params=params).json()


def test_an_application_passes_the_precheck_and_reaches_the_merchants_inbox(client, merchants):
    merchant_id, token, body = merchants.new()
    response = client.post("/api/v1/merchants", token, json=body)
    assert response.status_code == 201, response.text
    merchant = response.json()
    assert merchant["merchant_id"] == merchant_id
    assert merchant["status"] == "pending_onsite"
    assert merchant["pool"] == "selection"
    assert merchant["history"][0]["to"] == "pending_onsite"
    assert "outbox" not in merchant

    page = poll(lambda: inbox(client, token), lambda page: page["items"])
    [message] = page["items"]
    assert message["event_type"] == "merchant_applied"
    assert message["title"] == "放心消费单位申报已受理"
    assert body["name"] in message["body"]

    # every account of the merchant reads the same inbox
    colleague = client.token(role="merchant", sub="another-clerk", merchant_id=merchant_id)
    assert inbox(client, colleague)["items"][0]["notification_id"] == message["notification_id"]


def test_inbox_unread_filter_and_mark_read(client, merchants):
    merchant_id, token, body = merchants.new()
    client.post("/api/v1/merchants", token, json=body)
    [message] = poll(lambda: inbox(client, token, unread="true"),
                     lambda page: page["items"])["items"]
    read = client.post(f"/api/v1/me/notifications/{message['notification_id']}/read", token)
    assert read.status_code == 200 and read.json()["read"] is True
    assert inbox(client, token, unread="true")["items"] == []
    stranger = client.token(role="consumer", sub="someone-else")
    other = client.post(f"/api/v1/me/notifications/{message['notification_id']}/read", stranger)
    assert other.status_code == 404


def test_a_failed_precheck_rejects_with_reasons(client, merchants):
    _, token, body = merchants.new(licences=[])
    body["declaration"]["items"]["no_price_fraud"] = False
    response = client.post("/api/v1/merchants", token, json=body)
    assert response.status_code == 201
    merchant = response.json()
    assert merchant["status"] == "rejected"
    codes = {reason["code"] for reason in merchant["rejection_reasons"]}
    assert codes == {"BUSINESS_LICENCE_MISSING", "FOOD_LICENCE_MISSING", "DECLARATION_INCOMPLETE"}
    page = poll(lambda: inbox(client, token), lambda page: len(page["items"]) == 2)
    by_type = {m["event_type"]: m for m in page["items"]}
    assert by_type["merchant_applied"]["title"] == "放心消费单位申报未通过预审"
    assert "merchant_rejected" in by_type


def test_applying_twice_or_with_a_taken_credit_code_conflicts(client, merchants):
    _, token, body = merchants.new()
    assert client.post("/api/v1/merchants", token, json=body).status_code == 201
    again = client.post("/api/v1/merchants", token, json={**body, "credit_code":
                                                           merchants.new()[2]["credit_code"]})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "ALREADY_APPLIED"
    _, other_token, _ = merchants.new()
    taken = client.post("/api/v1/merchants", other_token, json=body)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "CREDIT_CODE_TAKEN"


def test_who_may_read_a_merchant_record(client, merchants):
    merchant_id, token, body = merchants.new(region="330106")
    client.post("/api/v1/merchants", token, json=body)
    path = f"/api/v1/merchants/{merchant_id}"
    city = client.token(role="regulator", sub="hz-city", region="330100", level="city")
    county = client.token(role="regulator", sub="xh", region="330106", level="county")
    elsewhere = client.token(role="regulator", sub="nb", region="330200", level="city")
    consumer = client.token(role="consumer", sub="c1")
    other_merchant = client.token(role="merchant", sub="x", merchant_id="someone-else")
    assert client.get(path, token).status_code == 200
    assert client.get(path, city).json()["history"][0]["by"] == f"{merchant_id}-owner"
    assert client.get(path, county).status_code == 200
    assert client.get(path, elsewhere).json()["error"]["code"] == "OUT_OF_JURISDICTION"
    assert client.get(path, consumer).status_code == 403
    assert client.get(path, other_merchant).status_code == 403
    assert client.get("/api/v1/merchants/nobody", city).status_code == 404


def test_concurrent_applications_each_reach_their_inbox(client, merchants):
    applicants = [merchants.new() for _ in range(20)]

    def apply(applicant):
        _, token, body = applicant
        return client.post("/api/v1/merchants", token, json=body).status_code

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(apply, applicants)) == [201] * 20
    for _, token, _ in applicants:
        assert poll(lambda token=token: inbox(client, token), lambda page: page["items"])["items"]


def test_the_request_id_reaches_every_service_log(stack, client, merchants):
    _, token, body = merchants.new()
    response = client.post("/api/v1/merchants", token, json=body,
                           headers={"X-Request-ID": "trace-me-123"})
    assert response.headers["X-Request-ID"] == "trace-me-123"
    poll(lambda: inbox(client, token), lambda page: page["items"])

    def logged(name):
        lines = (stack.logs_dir / f"{name}.log").read_text().splitlines()
        return [json.loads(line) for line in lines if "trace-me-123" in line]

    assert poll(lambda: logged("notifications"), bool, seconds=5)
    assert all(entry["request_id"] == "trace-me-123" for entry in logged("notifications"))
    assert any(entry["service"] == "registry" for entry in logged("registry"))


def test_an_event_survives_the_registry_dying_between_write_and_publish(
        stack, client, merchants, system_env):
    # the fault hook holds the relay, so the process dies with the event still in its outbox
    stack.stop("registry")
    stack.start_process("registry", {"FAULT_HOLD_OUTBOX": "1"})
    assert stack.wait_ready(30)
    merchant_id, token, body = merchants.new()
    assert client.post("/api/v1/merchants", token, json=body).status_code == 201
    merchants_collection = MongoClient(system_env["MONGO_URI"])[
        database_name("registry")]["merchants"]
    assert merchants_collection.find_one({"_id": merchant_id})["outbox_count"] == 1
    assert inbox(client, token)["items"] == []

    stack.kill("registry")
    stack.start_process("registry")
    assert stack.wait_ready(30)
    page = poll(lambda: inbox(client, token), lambda page: page["items"])
    assert [m["event_type"] for m in page["items"]] == ["merchant_applied"]
    assert merchants_collection.find_one({"_id": merchant_id})["outbox_count"] == 0
