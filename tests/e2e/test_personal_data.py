"""Personal data (phone numbers, names, e-mail addresses) never appears in a public response nor
in a log line.

The test puts distinctive personal data through every path that carries it (a merchant's
application, a consented complaint whose text names people and numbers, contact preferences
that make the notifications service send SMS and e-mail), waits until the events have travelled,
then reads every public route and scans every log file the processes of this test run have
written (the package's system, the rate-limited gateway, the fuzzed system) for it, and for
every phone number the other tests send. It runs after the other end-to-end tests
(``runs_last``), so those logs are complete."""
import re
import uuid
from pathlib import Path

import pytest

from devtools.waiting import poll
from tests.e2e.coupon_steps import active_campaign, claimed, operator_token
from tests.e2e.registry_steps import certify, record

TESTS = Path(__file__).resolve().parents[1]
MERCHANT_PHONE, COMPLAINT_PHONE, PHONE_IN_TEXT, SMS_PHONE = (
    "13712340601", "13712340602", "13712340603", "13712340604")
NAMES = ("欧阳娜娜", "司马")
EMAIL = "ouyang.nana@example.org"
OWN_DATA = (MERCHANT_PHONE, COMPLAINT_PHONE, PHONE_IN_TEXT, SMS_PHONE, EMAIL) + NAMES

pytestmark = pytest.mark.runs_last


def phones_the_tests_send():
    """Every mainland mobile number written as a literal in the tests or the demo data."""
    found = set()
    for path in [*TESTS.rglob("*.py"), TESTS.parent / "devtools" / "demo.py"]:
        found |= set(re.findall(r"[\"'](1[3-9][0-9]{9})[\"']", path.read_text("utf-8")))
    return found


@pytest.fixture(scope="module")
def trail(client, merchants):
    """Personal data sent through the system, and the public pages that might show it."""
    merchant_id, merchant, _ = certify(client, merchants, contact_phone=MERCHANT_PHONE)
    store_code = record(client, merchant, merchant_id)["store_code"]
    sub = f"pd-{uuid.uuid4().hex[:8]}"
    consumer = client.token(role="consumer", sub=sub)
    preferences = client.put("/api/v1/me/preferences", consumer, json={
        "locale": "zh-CN", "region": "330106",
        "contacts": {"phone": SMS_PHONE, "email": EMAIL}})
    assert preferences.status_code == 200, preferences.text
    filed = client.post("/api/v1/complaints", consumer, json={
        "merchant_id": merchant_id, "category": "service", "title": "服务态度差",
        "description": f"我叫欧阳娜娜，电话{PHONE_IN_TEXT}，司马先生接待时态度恶劣",
        "amount_fen": 0, "occurred_on": "2026-11-01", "contact_phone": COMPLAINT_PHONE,
        "public_consent": True})
    assert filed.status_code == 201, filed.text
    complaint_id = filed.json()["complaint_id"]
    answered = client.post(f"/api/v1/complaints/{complaint_id}/responses", merchant,
                           json={"proposal": "apology", "message": "向欧阳娜娜女士致歉"})
    assert answered.status_code == 200, answered.text
    claimed(client, consumer, active_campaign(client, operator_token(client))["campaign_id"])
    # the consumer's messages went out by SMS and e-mail: every service has done its part
    sent = poll(lambda: client.get("/api/v1/me/deliveries", consumer).json()["items"],
                lambda items: {d["channel"] for d in items} >= {"sms", "email"}, seconds=30)
    assert {d["channel"] for d in sent} >= {"sms", "email"}, sent
    return {"merchant_id": merchant_id, "store_code": store_code}


def public_pages(client, merchant_id, store_code):
    return {path: client.get(path).text for path in (
        f"/api/v1/public/merchants/{merchant_id}/complaints",
        f"/api/v1/public/stores/{store_code}", f"/s/{store_code}",
        "/api/v1/public/merchants?region=330106&limit=100",
        "/api/v1/public/lists/red", "/api/v1/public/lists/black",
        "/api/v1/public/warnings", "/api/v1/public/campaigns?limit=100")}


def test_public_responses_carry_no_personal_data(client, trail):
    pages = public_pages(client, trail["merchant_id"], trail["store_code"])
    disclosure = pages[f"/api/v1/public/merchants/{trail['merchant_id']}/complaints"]
    assert "服务态度差" in disclosure, "the consented complaint is not disclosed at all"
    for path, body in pages.items():
        leaked = [item for item in OWN_DATA if item in body]
        assert not leaked, (path, leaked)


def test_log_lines_carry_no_personal_data(trail, tmp_path_factory):
    logs = sorted(tmp_path_factory.getbasetemp().rglob("logs/*.log"))
    assert any(path.name == "notifications.log" and path.stat().st_size for path in logs)
    watched = set(OWN_DATA) | phones_the_tests_send()
    leaks = []
    for path in logs:
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines()):
            leaks += [(path.name, number + 1, item, line[:200]) for item in watched
                      if item in line]
    assert not leaks, leaks[:20]
