"""Complaints through the gateway: every path of the lifecycle, deadlines, screening,
authorisation per object, disclosure without personal data, and the registry's warning."""
import json

from nameko.standalone.rpc import ClusterRpcProxy

from devtools.waiting import poll
from tests.e2e.registry_steps import certify, record

PHONE = "13912345678"


def filing(merchant_id=None, store_code=None, **overrides):
    body = {"category": "quality", "title": "买到变质食品",
            "description": "昨天购买的牛奶已经变质，联系王先生无果",
            "amount_fen": 2500, "occurred_on": "2026-11-01",
            "evidence_urls": ["https://example.org/receipt.jpg"], "contact_phone": PHONE,
            "public_consent": True, **overrides}
    if store_code:
        body["store_code"] = store_code
    else:
        body["merchant_id"] = merchant_id
    return body


def file(client, token, body):
    response = client.post("/api/v1/complaints", token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def post(client, token, complaint_id, step, body=None):
    return client.post(f"/api/v1/complaints/{complaint_id}/{step}", token, json=body)


def test_filed_answered_and_accepted(client, shop, consumer, complaint_events):
    merchant_id, merchant, _ = shop
    sub, token = consumer
    complaint = file(client, token, filing(merchant_id))
    assert complaint["status"] == "forwarded" and complaint["deadline_at"] > complaint["filed_at"]

    seen_by_merchant = client.get(f"/api/v1/complaints/{complaint['complaint_id']}",
                                  merchant).json()
    assert seen_by_merchant["contact_phone"] == "139****5678"
    assert seen_by_merchant["consumer"] is None

    answered = post(client, merchant, complaint["complaint_id"], "responses",
                    {"proposal": "refund", "message": "全额退款", "amount_fen": 2500}).json()
    assert (answered["status"], answered["timely"]) == ("responded", True)
    closed = post(client, token, complaint["complaint_id"], "decision", {"accept": True}).json()
    assert (closed["status"], closed["closing"]) == ("closed", "resolved_monetary")
    assert closed["amount_recovered_fen"] == 2500
    assert [t["event"] for t in closed["timeline"]] == [
        "submitted", "forwarded", "responded", "accepted", "closed"]

    rated = post(client, token, complaint["complaint_id"], "rating", {"satisfaction": 5})
    assert rated.json()["satisfaction"] == 5
    assert post(client, token, complaint["complaint_id"], "rating",
                {"satisfaction": 1}).json()["error"]["code"] == "ALREADY_RATED"
    types = [e["type"] for e in poll(lambda: complaint_events.events(
        complaint_id=complaint["complaint_id"]), lambda found: len(found) >= 4)]
    assert types == ["complaint_submitted", "complaint_forwarded", "complaint_responded",
                     "complaint_closed"]


def test_a_rejected_proposal_goes_to_mediation_and_money_is_recovered(client, shop, consumer):
    merchant_id, merchant, _ = shop
    _, token = consumer
    complaint = file(client, token, filing(merchant_id, category="price"))
    post(client, merchant, complaint["complaint_id"], "responses",
         {"proposal": "apology", "message": "抱歉"})
    escalated = post(client, token, complaint["complaint_id"], "decision",
                     {"accept": False, "comment": "要求退款"}).json()
    assert escalated["status"] == "mediation" and escalated["mediation_deadline_at"]

    outsider = client.token(role="regulator", sub="nb", region="330200", level="city")
    assert post(client, outsider, complaint["complaint_id"], "mediation",
                {"outcome": "resolved", "relief": "monetary",
                 "amount_recovered_fen": 1800}).json()["error"]["code"] == "OUT_OF_JURISDICTION"
    station = client.token(role="regulator", sub="xh-station", region="330106", level="station")
    closed = post(client, station, complaint["complaint_id"], "mediation",
                  {"outcome": "resolved", "relief": "monetary", "amount_recovered_fen": 1800,
                   "notes": "调解成功"}).json()
    assert (closed["closing"], closed["amount_recovered_fen"], closed["timely"]) == (
        "resolved_monetary", 1800, True)


def test_a_missed_deadline_escalates_by_itself_and_counts_as_untimely(
        client, shop, consumer, complaint_events):
    merchant_id, merchant, _ = shop
    _, token = consumer
    complaint = file(client, token, filing(merchant_id, category="service"))
    complaint_id = complaint["complaint_id"]
    assert poll(lambda: complaint_events.events("complaint_deadline_approaching",
                                                complaint_id=complaint_id), bool, seconds=15)
    escalated = poll(lambda: client.get(f"/api/v1/complaints/{complaint_id}", token).json(),
                     lambda c: c["status"] == "mediation", seconds=20)
    assert (escalated["status"], escalated["timely"], escalated["escalated"]) == (
        "mediation", False, True)
    # the event leaves through the outbox relay, a moment after the status is stored
    [event] = poll(lambda: complaint_events.events("complaint_escalated",
                                                   complaint_id=complaint_id), bool, seconds=10)
    assert event["data"]["reason"] == "deadline_missed"
    late = post(client, merchant, complaint_id, "responses",
                {"proposal": "refund", "message": "晚了", "amount_fen": 100})
    assert late.json()["error"]["code"] == "WRONG_STATE"


def test_withdrawal(client, shop, consumer):
    merchant_id, _, _ = shop
    _, token = consumer
    complaint = file(client, token, filing(merchant_id, category="contract"))
    withdrawn = post(client, token, complaint["complaint_id"], "withdraw").json()
    assert (withdrawn["status"], withdrawn["closing"]) == ("closed", "withdrawn")
    assert post(client, token, complaint["complaint_id"], "withdraw").status_code == 409


def test_a_duplicate_within_24_hours_is_refused(client, shop, consumer):
    merchant_id, _, store_code = shop
    _, token = consumer
    file(client, token, filing(merchant_id, category="safety"))
    again = client.post("/api/v1/complaints", token,
                        json=filing(store_code=store_code, category="safety"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "DUPLICATE_COMPLAINT")
    assert file(client, token, filing(merchant_id, category="price"))["status"] == "forwarded"


def test_filing_by_store_code_and_for_an_unknown_merchant(client, shop, consumer):
    merchant_id, _, store_code = shop
    _, token = consumer
    by_code = file(client, token, filing(store_code=store_code, category="other"))
    assert (by_code["merchant_id"], by_code["store_code"]) == (merchant_id, store_code)
    unknown = client.post("/api/v1/complaints", token, json=filing("no-such-merchant"))
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "MERCHANT_NOT_FOUND")


def test_a_professional_claimant_is_flagged_for_a_regulator(client, merchants, consumer):
    _, token = consumer
    shops = [certify(client, merchants, region="330108")[0] for _ in range(3)]
    first, second = (file(client, token, filing(m)) for m in shops[:2])
    assert (first["status"], second["status"]) == ("forwarded", "forwarded")
    flagged = file(client, token, filing(shops[2]))
    assert (flagged["status"], flagged["deadline_at"]) == ("flagged", None)

    regulator = client.token(role="regulator", sub="bj", region="330108", level="county")
    listed = client.get("/api/v1/complaints", regulator, params={"status": "flagged"}).json()
    assert flagged["complaint_id"] in [c["complaint_id"] for c in listed["items"]]
    released = post(client, regulator, flagged["complaint_id"], "screening",
                    {"decision": "forward", "notes": "核实为真实消费"}).json()
    assert released["status"] == "forwarded" and released["deadline_at"]


def test_who_sees_which_complaint(client, shop, consumer, merchants):
    merchant_id, merchant, _ = shop
    _, token = consumer
    complaint = file(client, token, filing(merchant_id, category="short_weight"))
    path = f"/api/v1/complaints/{complaint['complaint_id']}"
    stranger = client.token(role="consumer", sub="someone-else")
    other_shop = client.token(role="merchant", sub="o", merchant_id="other-shop")
    far = client.token(role="regulator", sub="far", region="110100", level="city")
    near = client.token(role="regulator", sub="near", region="330100", level="city")
    operator = client.token(role="operator", sub="ops")
    assert client.get(path, stranger).status_code == 403
    assert client.get(path, other_shop).status_code == 403
    assert client.get(path, far).json()["error"]["code"] == "OUT_OF_JURISDICTION"
    assert client.get(path, near).json()["contact_phone"] == PHONE
    assert client.get(path, operator).status_code == 403

    def listed(who):
        return [c["complaint_id"] for c in client.get("/api/v1/complaints", who).json()["items"]]

    assert complaint["complaint_id"] in listed(token)
    assert complaint["complaint_id"] in listed(merchant)
    assert complaint["complaint_id"] not in listed(stranger)
    assert complaint["complaint_id"] not in listed(other_shop)
    assert complaint["complaint_id"] not in listed(far)


def test_crossing_the_threshold_warns_the_merchant_and_its_page_says_so(client, shop):
    merchant_id, merchant, store_code = shop
    for n in range(3):
        consumer = client.token(role="consumer", sub=f"crowd-{merchant_id}-{n}")
        file(client, consumer, filing(merchant_id, public_consent=False))
    warned = poll(lambda: record(client, merchant, merchant_id),
                  lambda m: m["status"] == "warned")
    assert (warned["pool"], warned["history"][-1]["reason"]) == ("warning", "投诉量超过阈值")
    page = client.get(f"/api/v1/public/stores/{store_code}").json()
    assert page["status"] == "warned"
    assert page["complaints"]["total"] == 3


def test_public_disclosure_has_figures_but_no_personal_data(client, shop, consumer, system_env):
    merchant_id, merchant, _ = shop
    sub, token = consumer
    consented = file(client, token, filing(
        merchant_id, category="false_advertising",
        description=f"店员称效果翻倍，我叫李小明，电话 {PHONE}，找王先生也没用"))
    post(client, merchant, consented["complaint_id"], "responses",
         {"proposal": "exchange", "message": "换货"})
    other = client.token(role="consumer", sub=f"{sub}-private")
    file(client, other, filing(merchant_id, category="price", public_consent=False))

    disclosure = client.get(f"/api/v1/public/merchants/{merchant_id}/complaints").json()
    assert disclosure["total"] == 2
    assert disclosure["timely_response_rate"] == 1.0
    assert [s["complaint_id"] for s in disclosure["summaries"]] == [consented["complaint_id"]]
    text = json.dumps(disclosure, ensure_ascii=False)
    for personal in (PHONE, sub, "李小明", "王先生", "receipt.jpg"):
        assert personal not in text
    with ClusterRpcProxy({"AMQP_URI": system_env["AMQP_URI"]}) as cluster:
        figures_only = cluster.complaints.public_disclosure(merchant_id, with_summaries=False)
    assert figures_only == {key: value for key, value in disclosure.items() if key != "summaries"}
