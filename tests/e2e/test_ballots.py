"""A ballot campaign (摇号) end to end through the gateway, in two tranches: sign-ups (one per
consumer), each draw's commitment published from the start, the first draw at its time with
the groups' quotas (a listed member, a tagged one) drawn first, its losers carried into the
second draw with two tickets beside the later sign-ups' one, each draw's seed and list
published after it, examples/verify_draw.py reproducing each draw's winners from them alone,
each winner's coupon issued once and its message sent, and every consumer able to read its own
result."""
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
    unique,
)

VERIFIER = Path(__file__).parents[2] / "examples" / "verify_draw.py"
FIRST_DRAW_SECONDS, WINDOW_SECONDS = 5, 14


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


def signups_csv(client, campaign_id, k):
    return client.get(f"/api/v1/public/campaigns/{campaign_id}/ballot/signups.csv?draw={k}")


def drawn(client, campaign_id, k, seconds):
    """The ballot once its draw ``k`` is drawn."""
    return poll(lambda: ballot_of(client, campaign_id),
                lambda b: b["draws"][k]["state"] == "drawn", seconds=seconds)


def verified_winners(tmp_path, draw, listing):
    """What the standalone verifier prints for a draw: {signup_id: group or None}."""
    path = tmp_path / f"signups-{draw['draw']}.csv"
    path.write_text("".join(f"{line}\n" for line in listing.splitlines()[1:]), encoding="utf-8")
    printed = subprocess.run(
        [sys.executable, str(VERIFIER), draw["seed"], draw["commitment"],
         str(draw["coupons"]), str(path), *(f"{g}={n}" for g, n in draw["slots"].items())],
        check=True, capture_output=True, text=True, timeout=60).stdout
    return {line.split(",")[0]: line.split(",")[1] or None for line in printed.splitlines()}


def published_list(client, campaign_id, draw):
    """A drawn draw's list, checked against its digest: {signup_id: weight}."""
    listing = signups_csv(client, campaign_id, draw["draw"])
    assert listing.status_code == 200 and listing.headers["Content-Type"].startswith("text/csv")
    assert hashlib.sha256(listing.content).hexdigest() == draw["signups_digest"]
    assert listing.text.splitlines()[0] == "signup_id,weight,group"
    return listing.text


def test_a_ballot_in_two_tranches_is_drawn_verifiably_and_each_winner_gets_one_coupon(
        client, tmp_path):
    operator = operator_token(client)
    medic, medic_token = new_consumer(client)
    elder = unique("coupon-elder")
    elder_token = client.token(role="consumer", sub=elder, tags=["elder"])
    ends = from_now(WINDOW_SECONDS)
    campaign = active_campaign(
        client, operator, total_quantity=4, claim_ends_at=ends, allocation="ballot",
        tranches=[{"starts_at": from_now(FIRST_DRAW_SECONDS), "quantity": 2},
                  {"starts_at": ends, "quantity": 2}],
        quotas=[{"group": "medics", "slots": 1, "consumers": [medic]},
                {"group": "elders", "slots": 1, "tag": "elder"}])
    campaign_id = campaign["campaign_id"]
    assert "ballot_seeds" not in campaign and campaign["remaining"] == 4
    published = ballot_of(client, campaign_id)
    assert published["state"] == "open" and [d["seed"] for d in published["draws"]] == [None] * 2
    assert all(len(d["commitment"]) == 64 for d in published["draws"])
    assert (signups_csv(client, campaign_id, 0).status_code, error_code(signups_csv(
        client, campaign_id, 0))) == (409, "WRONG_STATE")

    early_tokens = [medic_token, elder_token] + [new_consumer(client)[1] for _ in range(4)]
    early = [sign_up(client, token, campaign_id) for token in early_tokens]
    assert [r.status_code for r in early] == [201] * 6, [r.text for r in early]
    again = sign_up(client, early_tokens[2], campaign_id)
    assert again.status_code == 200 and again.json() == early[2].json()
    assert [r.json()["group"] for r in early[:3]] == ["medics", "elders", None]
    assert all(r.json()["signed_up_at"] < published["draws"][0]["starts_at"] for r in early)
    assert my_signup(client, early_tokens[2], campaign_id)["result"] == "pending"
    assert error_code(claim(client, early_tokens[3], campaign_id)) == "WRONG_STATE"

    first = drawn(client, campaign_id, 0, FIRST_DRAW_SECONDS + 20)["draws"][0]
    assert (first["signups"], first["coupons"], first["winners"]) == (6, 2, 2)
    assert first["slots"] == {"medics": 1, "elders": 1}
    late_tokens = [new_consumer(client)[1] for _ in range(3)]
    late = [sign_up(client, token, campaign_id) for token in late_tokens]
    assert [r.status_code for r in late] == [201] * 3, [r.text for r in late]
    carried = my_signup(client, early_tokens[2], campaign_id)
    assert (carried["result"], carried["weight"]) == ("pending", 2)

    ballot = drawn(client, campaign_id, 1, WINDOW_SECONDS + 30)
    assert ballot["state"] == "drawn"
    for draw, commitment in zip(ballot["draws"], published["draws"]):
        assert hashlib.sha256(bytes.fromhex(draw["seed"])).hexdigest() == draw["commitment"]
        assert draw["commitment"] == commitment["commitment"]
    second = ballot["draws"][1]
    assert (second["signups"], second["coupons"], second["winners"]) == (7, 2, 2)
    assert second["slots"] == {"medics": 0, "elders": 0}

    winners = {}
    for draw in ballot["draws"]:
        winners.update(verified_winners(tmp_path, draw, published_list(
            client, campaign_id, draw)))
    weights = {line.split(",")[0]: int(line.split(",")[1]) for line in published_list(
        client, campaign_id, second).splitlines()[1:]}
    ids = [r.json()["signup_id"] for r in early + late]
    assert weights == dict.fromkeys(ids[2:6], 2) | dict.fromkeys(ids[6:], 1), \
        "the first draw's losers hold two tickets, the later sign-ups one"
    assert (winners[ids[0]], winners[ids[1]]) == ("medics", "elders")

    results = {s: my_signup(client, token, campaign_id)
               for s, token in zip(ids, early_tokens + late_tokens)}
    assert {s for s, mine in results.items() if mine["result"] == "won"} == set(winners)
    assert all(mine["result"] == "lost" and mine["coupon_id"] is None
               for s, mine in results.items() if s not in winners)
    for (signup_id, mine), token in zip(results.items(), early_tokens + late_tokens):
        coupons = [c["coupon_id"] for c in my_coupons(client, token, campaign_id)]
        assert coupons == ([mine["coupon_id"]] if signup_id in winners else [])
    figures = stats(client, operator, campaign_id)
    assert (figures["issued"], figures["remaining"]) == (4, 0)

    def ballot_messages():
        items = client.get("/api/v1/me/notifications", medic_token).json()["items"]
        return [m for m in items if m["event_type"] == "ballot_won"]
    [message] = poll(ballot_messages, bool, seconds=20)
    assert ids[0] in message["body"]
    after = sign_up(client, new_consumer(client)[1], campaign_id)
    assert (after.status_code, error_code(after)) == (409, "CAMPAIGN_NOT_ACTIVE")


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
