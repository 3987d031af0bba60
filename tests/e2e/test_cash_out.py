"""Cash-out checks through the gateway: a scripted pattern (four consumers redeeming three
coupons each at one shop, right after claiming, at orders just above the minimum spend) holds
that merchant's settlement, marks it in the settlement CSV, tells the regulators of its region
and has the registry assign it a spot check, while an honest merchant of the same size is not
held; the operator sees every signal explained and releases the hold; and the daily settlement
(T+1) leaves the held merchant's discounts out of what is payable until then, its totals
adding up to the redemptions'."""
import csv
import io
from concurrent.futures import ThreadPoolExecutor

from devtools.waiting import poll
from plumbing.clock import china_day
from tests.e2e.coupon_steps import (
    SETTLEMENT_HEADER,
    active_campaign,
    claimed,
    new_consumer,
    operator_token,
    redeem,
    settlement,
)
from tests.e2e.registry_steps import certify

MIN_SPEND = 5000


def redeemed_by(client, merchant, campaign_id, orders, coupons_each=1):
    """Consumers each claiming ``coupons_each`` coupons and redeeming them at ``merchant``
    straight away, one order amount per coupon."""
    def consumer_redeems(amounts):
        _, token = new_consumer(client)
        codes = [claimed(client, token, campaign_id)["code"] for _ in amounts]
        return [redeem(client, merchant, code, amount) for code, amount in zip(codes, amounts)]
    groups = [orders[i:i + coupons_each] for i in range(0, len(orders), coupons_each)]
    with ThreadPoolExecutor(4) as pool:
        return [answer for answers in pool.map(consumer_redeems, groups) for answer in answers]


def daily(client, operator, campaign_id, redemptions):
    """{day: ({merchant: (held, payable_fen)}, (TOTAL discount_fen, TOTAL payable_fen))} of
    each day (China Standard Time) the redemptions were made on, from its settlement CSV."""
    found = {}
    for day in {china_day(r.json()["at"]) for r in redemptions}:
        response = client.get(f"/api/v1/campaigns/{campaign_id}/settlements/{day}.csv",
                              operator)
        assert response.status_code == 200, response.text
        assert response.headers["X-Settlement-Final"] == "false", "a day of this test is open"
        lines = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
        assert lines[0] == SETTLEMENT_HEADER + ["payable_fen"] and lines[-1][0] == "TOTAL"
        found[day] = ({row[0]: (row[5], int(row[6])) for row in lines[1:-1]},
                      (int(lines[-1][4]), int(lines[-1][6])))
    return found


def cash_out_rows(client, operator, campaign_id):
    response = client.get(f"/api/v1/campaigns/{campaign_id}/cash-out", operator)
    assert response.status_code == 200, response.text
    return {row["merchant_id"]: row for row in response.json()["items"]}


def test_a_scripted_cash_out_is_held_and_an_honest_merchant_of_its_size_is_not(
        client, merchants):
    operator = operator_token(client)
    (cheat_id, cheat, _), (honest_id, honest, _) = certify(client, merchants), certify(
        client, merchants)
    campaign_id = active_campaign(client, operator, total_quantity=40, face_value_fen=1000,
                                  min_spend_fen=MIN_SPEND, per_consumer_limit=3)["campaign_id"]
    cheats = redeemed_by(client, cheat, campaign_id, [MIN_SPEND + 1] * 12, coupons_each=3)
    honests = redeemed_by(client, honest, campaign_id, [8000 + 1000 * i for i in range(12)])
    assert [r.status_code for r in cheats + honests] == [201] * 24

    rows = poll(lambda: cash_out_rows(client, operator, campaign_id),
                lambda r: (r.get(cheat_id) or {}).get("hold"), seconds=20)
    held = rows[cheat_id]
    assert held["hold"]["status"] == "held"
    fired = {s["code"] for s in held["signals"] if s["fired"]}
    assert fired == {"clustered_amounts", "repeat_pairs", "soon_after_claim"}
    assert all(s["explanation"] for s in held["signals"])
    assert rows[honest_id]["hold"] is None
    assert {s["code"] for s in rows[honest_id]["signals"] if s["fired"]} <= {"soon_after_claim"}

    _, merchant_rows, _ = settlement(client, operator, campaign_id)
    marks = {row[0]: row[5] for row in merchant_rows}
    assert marks == {cheat_id: "held", honest_id: ""}

    days = daily(client, operator, campaign_id, cheats + honests)
    assert all(rows[cheat_id] == ("held", 0) for rows, _ in days.values())
    assert sum(total[1] for _, total in days.values()) == sum(
        r.json()["discount_fen"] for r in honests), "what is payable leaves the held out"
    assert sum(total[0] for _, total in days.values()) == sum(
        r.json()["discount_fen"] for r in cheats + honests)

    regulator = client.token(role="regulator", sub="reg-cash-out", region="330100",
                             level="city")

    def told():
        items = client.get("/api/v1/me/notifications", regulator).json()["items"]
        return [m for m in items if m["event_type"] == "settlement_held" and cheat_id in m["body"]]
    assert poll(told, bool, seconds=20)

    def proposed():
        page = client.get("/api/v1/spot-checks", regulator,
                          params={"status": "assigned", "limit": 100}).json()["items"]
        return [t for t in page if t["merchant_id"] == cheat_id]
    [task] = poll(proposed, bool, seconds=20)
    assert task["batch_id"] == f"cash-out:{campaign_id}"
    assert task["assigned_by"] == "cash-out-checks"

    release = f"/api/v1/campaigns/{campaign_id}/holds/{cheat_id}/release"
    released = client.post(release, operator, json={"reason": "现场核查为真实交易"})
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "released"
    assert client.post(release, operator, json={"reason": "again"}).status_code == 409
    assert client.post(f"/api/v1/campaigns/{campaign_id}/holds/{honest_id}/release", operator,
                       json={"reason": "x"}).status_code == 404
    _, merchant_rows, _ = settlement(client, operator, campaign_id)
    assert {row[0]: row[5] for row in merchant_rows} == {cheat_id: "", honest_id: ""}
    days = daily(client, operator, campaign_id, cheats + honests)
    assert sum(total[1] for _, total in days.values()) == sum(
        r.json()["discount_fen"] for r in cheats + honests), "released: all of it is payable"

    def heard_of_release(token):
        items = client.get("/api/v1/me/notifications", token).json()["items"]
        return [m for m in items if m["event_type"] == "settlement_released"]
    [merchants_message] = poll(lambda: heard_of_release(cheat), bool, seconds=20)
    assert "现场核查为真实交易" in merchants_message["body"]
    assert any(cheat_id in m["body"] for m in poll(lambda: heard_of_release(regulator), bool,
                                                   seconds=20))
