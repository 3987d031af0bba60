"""Regulator statistics and hot spots, checked against figures computed here from the
complaints themselves."""
import uuid

from devtools.waiting import poll
from tests.e2e.metrics_reader import samples
from tests.e2e.registry_steps import certify
from tests.e2e.test_complaints import file, filing, post


def consumer_token(client):
    return client.token(role="consumer", sub=f"c-{uuid.uuid4().hex[:10]}")


def test_statistics_match_an_independent_count(client, merchants):
    region = "330127"
    shops = [certify(client, merchants, region=region) for _ in range(2)]
    regulator = client.token(role="regulator", sub="stats", region=region, level="county")
    accepted, mediated, withdrawn, open_ = [], [], [], []

    for (merchant_id, merchant, _), category in zip(shops, ("quality", "price")):
        token = consumer_token(client)
        c = file(client, token, filing(merchant_id, category=category))
        post(client, merchant, c["complaint_id"], "responses",
             {"proposal": "refund", "message": "退款", "amount_fen": 1200})
        post(client, token, c["complaint_id"], "decision", {"accept": True})
        post(client, token, c["complaint_id"], "rating", {"satisfaction": 5})
        accepted.append(c["complaint_id"])

        token = consumer_token(client)
        c = file(client, token, filing(merchant_id, category="quality"))
        post(client, merchant, c["complaint_id"], "responses",
             {"proposal": "apology", "message": "抱歉"})
        post(client, token, c["complaint_id"], "decision", {"accept": False})
        post(client, regulator, c["complaint_id"], "mediation",
             {"outcome": "resolved", "relief": "non_monetary"})
        post(client, token, c["complaint_id"], "rating", {"satisfaction": 2})
        mediated.append(c["complaint_id"])

        token = consumer_token(client)
        c = file(client, token, filing(merchant_id, category="service"))
        post(client, token, c["complaint_id"], "withdraw")
        withdrawn.append(c["complaint_id"])

        c = file(client, consumer_token(client), filing(merchant_id, category="quality"))
        open_.append(c["complaint_id"])

    everything = [client.get(f"/api/v1/complaints/{cid}", regulator).json()
                  for cid in accepted + mediated + withdrawn + open_]
    closed = [c for c in everything if c["status"] == "closed"]
    resolved = [c for c in closed if c["closing"].startswith("resolved")]
    rated = [c for c in everything if c["satisfaction"] is not None]
    responded = [c for c in everything if c["responded_at"]]

    stats = client.get("/api/v1/stats/complaints", regulator, params={"region": region}).json()
    assert stats["total"] == len(everything) == 8
    assert stats["handled"] == len(closed) == 6
    assert stats["handling_rate"] == round(len(closed) / len(everything), 3)
    assert stats["resolution_rate"] == round(len(resolved) / (len(closed) - len(withdrawn)), 3)
    assert stats["satisfaction_rate"] == round(
        sum(1 for c in rated if c["satisfaction"] >= 4) / len(rated), 3)
    assert stats["money_recovered_fen"] == sum(c["amount_recovered_fen"] for c in everything)
    assert stats["money_recovered_fen"] == 2400
    assert stats["average_response_seconds"] is not None
    assert len(responded) == 4
    assert stats["by_category"]["quality"]["total"] == sum(
        1 for c in everything if c["category"] == "quality")
    assert stats["by_category"]["service"]["handled"] == 2

    elsewhere = client.token(role="regulator", sub="far", region="330200", level="city")
    assert client.get("/api/v1/stats/complaints", elsewhere,
                      params={"region": region}).status_code == 403


def test_a_growing_group_becomes_a_hot_spot_once(client, merchants, complaint_events):
    region = "330183"
    shops = [certify(client, merchants, region=region, industry="jewellery")[0]
             for _ in range(2)]
    for n in range(3):
        file(client, consumer_token(client),
             filing(shops[n % 2], category="false_advertising"))
    regulator = client.token(role="regulator", sub="fy", region=region, level="county")

    def spots():
        return [s for s in client.get("/api/v1/hotspots", regulator).json()["items"]
                if (s["region"], s["industry"], s["category"]) ==
                (region, "jewellery", "false_advertising")]

    [spot] = poll(spots, bool, seconds=15)
    assert (spot["count"], spot["previous_count"], spot["growth"]) == (3, 0, 3.0)
    events = poll(lambda: complaint_events.events("hotspot_detected", region=region), bool)
    assert events[0]["data"]["hotspot_id"] == spot["hotspot_id"]
    # later scans see the same group hot and store nothing new
    file(client, consumer_token(client), filing(shops[0], category="false_advertising"))
    assert poll(spots, lambda found: found and found[0]["count"] == 3, seconds=3)
    outsider = client.token(role="regulator", sub="nb", region="330200", level="city")
    assert spot["hotspot_id"] not in [
        s["hotspot_id"] for s in client.get("/api/v1/hotspots", outsider).json()["items"]]


def test_complaint_metrics(stack, client, merchants):
    merchant_id, merchant, _ = certify(client, merchants)
    c = file(client, consumer_token(client), filing(merchant_id, category="contract"))
    post(client, merchant, c["complaint_id"], "responses", {"proposal": "repair",
                                                            "message": "维修"})

    figures = poll(lambda: samples(stack.url_of("complaints")),
                   lambda f: f.get(("fangxin_complaints", (("status", "responded"),)),
                                            0) >= 1)
    assert figures[("fangxin_complaint_response_seconds_count", ())] >= 1
    assert ("fangxin_complaint_sla_breaches_total", ()) in figures
    assert figures[("fangxin_complaints_filed_total", (("status", "forwarded"),))] >= 1
