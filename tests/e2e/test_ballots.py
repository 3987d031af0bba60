"""A ballot campaign (摇号) end to end through the gateway: sign-ups (one per consumer), the
commitment published before the window closes, the draw at its time with a group's quota drawn
first, the seed and the list published after it, examples/verify_draw.py reproducing the
winners from them alone, each winner's coupon issued once and its message sent, and every
consumer able to read its own result."""
import hashlib
import subprocess
import sys
from pathlib import Path

from devtools.waiting import poll
from tests.e2e.coupon_steps import (
    active_campaign,
    campaign_body,
    claim,
    error_code,
    from_now,
    my_coupons,
    new_consumer,
    operator_token,
    stats,
)

VERIFIER = Path(__file__).parents[2] / "examples" / "verify_draw.py"
WINDOW_SECONDS = 8


def ballot_of(client, campaign_id):
    response = client.get(f"/api/v1/public/campaigns/{campaign_id}/ballot")
    assert response.status_code == 200, response.text
    return response.json()


def sign_up(client, token, campaign_id):
    return client.post(f"/api/v1/campaigns/{campaign_id}/signups", token, json={})


def my_signup(client, token, campaign_id):
    response = client.get(f"/api/v1/campaigns/{campaign_id}/signups/mine", token)
    assert response.status_code == 200, response.text
    return response.json()


def signups_csv(client, campaign_id):
    return client.get(f"/api/v1/public/campaigns/{campaign_id}/ballot/signups.csv")


def verified_winners(tmp_path, ballot, listing, quotas):
    """What the standalone verifier prints: {signup_id: group or None}."""
    path = tmp_path / "signups.csv"
    path.write_text("".join(f"{line}\n" for line in listing.splitlines()[1:]), encoding="utf-8")
    printed = subprocess.run(
        [sys.executable, str(VERIFIER), ballot["seed"], ballot["commitment"],
         str(ballot["coupons"]), str(path), *quotas],
        check=True, capture_output=True, text=True, timeout=60).stdout
    return {line.split(",")[0]: line.split(",")[1] or None for line in printed.splitlines()}


def test_a_ballot_is_drawn_verifiably_and_each_winner_gets_one_coupon(client, tmp_path):
    operator = operator_token(client)
    medic, medic_token = new_consumer(client)
    campaign = active_campaign(
        client, operator, total_quantity=3, claim_ends_at=from_now(WINDOW_SECONDS),
        allocation="ballot", quotas=[{"group": "medics", "slots": 1, "consumers": [medic]}])
    campaign_id = campaign["campaign_id"]
    assert "ballot_seed" not in campaign and campaign["remaining"] == 3
    published = ballot_of(client, campaign_id)
    assert published["state"] == "open" and published["seed"] is None
    assert len(published["commitment"]) == 64
    assert (signups_csv(client, campaign_id).status_code, error_code(signups_csv(
        client, campaign_id))) == (409, "WRONG_STATE")

    tokens = [medic_token] + [new_consumer(client)[1] for _ in range(5)]
    signed = [sign_up(client, token, campaign_id) for token in tokens]
    assert [r.status_code for r in signed] == [201] * 6, [r.text for r in signed]
    again = sign_up(client, tokens[1], campaign_id)
    assert again.status_code == 200 and again.json() == signed[1].json()
    assert signed[0].json()["group"] == "medics" and signed[1].json()["group"] is None
    assert my_signup(client, tokens[2], campaign_id)["result"] == "pending"
    assert error_code(claim(client, tokens[3], campaign_id)) == "WRONG_STATE"

    drawn = poll(lambda: ballot_of(client, campaign_id), lambda b: b["state"] == "drawn",
                 seconds=WINDOW_SECONDS + 30)
    assert hashlib.sha256(bytes.fromhex(drawn["seed"])).hexdigest() == drawn["commitment"]
    assert drawn["commitment"] == published["commitment"]
    assert (drawn["signups"], drawn["winners"]) == (6, 3)
    listing = signups_csv(client, campaign_id)
    assert listing.status_code == 200 and listing.headers["Content-Type"].startswith("text/csv")
    assert hashlib.sha256(listing.content).hexdigest() == drawn["signups_digest"]
    assert listing.text.splitlines()[0] == "signup_id,weight,group"

    winners = verified_winners(tmp_path, drawn, listing.text, ["medics=1"])
    results = {r.json()["signup_id"]: my_signup(client, token, campaign_id)
               for r, token in zip(signed, tokens)}
    assert {s for s, mine in results.items() if mine["result"] == "won"} == set(winners)
    assert all(mine["result"] == "lost" and mine["coupon_id"] is None
               for s, mine in results.items() if s not in winners)
    assert winners[signed[0].json()["signup_id"]] == "medics", "the group's slot is its member's"
    for (signup_id, mine), token in zip(results.items(), tokens):
        coupons = [c["coupon_id"] for c in my_coupons(client, token, campaign_id)]
        assert coupons == ([mine["coupon_id"]] if signup_id in winners else [])
    figures = stats(client, operator, campaign_id)
    assert (figures["issued"], figures["remaining"]) == (3, 0)

    def ballot_messages():
        items = client.get("/api/v1/me/notifications", medic_token).json()["items"]
        return [m for m in items if m["event_type"] == "ballot_won"]
    [message] = poll(ballot_messages, bool, seconds=20)
    assert results[signed[0].json()["signup_id"]]["signup_id"] in message["body"]
    late = sign_up(client, new_consumer(client)[1], campaign_id)
    assert (late.status_code, error_code(late)) == (409, "CAMPAIGN_NOT_ACTIVE")


def test_a_first_come_campaign_takes_no_sign_ups_and_a_ballot_needs_sound_fields(client):
    operator = operator_token(client)
    first_come = active_campaign(client, operator)
    refused = sign_up(client, new_consumer(client)[1], first_come["campaign_id"])
    assert (refused.status_code, error_code(refused)) == (409, "WRONG_STATE")
    for fields, field in (({"kind": "lucky_draw"}, "kind"),
                          ({"per_consumer_limit": 2}, "per_consumer_limit"),
                          ({"draw_at": from_now(-3600)}, "draw_at"),
                          ({"quotas": [{"group": "a", "slots": 200, "consumers": ["u"]}]},
                           "quotas")):
        body = campaign_body(fields.get("kind", "voucher"), allocation="ballot",
                             **{k: v for k, v in fields.items() if k != "kind"})
        response = client.post("/api/v1/campaigns", operator, json=body)
        assert response.status_code == 422, (fields, response.text)
        assert field in response.json()["error"]["details"], response.text
