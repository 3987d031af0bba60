"""The rules of ballot campaigns (services/coupons/signups.py) and their fields' checks."""
import hashlib

import pytest
from marshmallow import ValidationError

from contracts.schemas.coupons import CampaignSchema
from plumbing.errors import DomainError
from services.coupons import ballot, listing, rules, signups

BODY = {"name": "摇号", "kind": "voucher", "face_value_fen": 1000, "min_spend_fen": 5000,
        "total_quantity": 10, "claim_starts_at": "2026-12-01T00:00:00Z",
        "claim_ends_at": "2026-12-02T00:00:00Z", "valid_days": 30, "allocation": "ballot"}
NOW = "2026-12-01T08:00:00.000000Z"


def campaign(**fields):
    spec = CampaignSchema().load({**BODY, **fields})
    return rules.new_campaign("cp-1", spec, "operator-1", NOW)


def test_a_ballot_commits_to_its_seed_from_the_start_and_draws_at_the_window_end_by_default():
    made = campaign()
    [seed] = [bytes.fromhex(seed) for seed in made[signups.SEED_FIELD]]
    [draw] = signups.draws(made)
    assert draw["commitment"] == hashlib.sha256(seed).hexdigest()
    assert made["draw_at"] == made["claim_ends_at"] == draw["starts_at"]
    assert signups.state_of(made) == signups.OPEN and draw["tranche"] == 10
    assert campaign()[signups.SEED_FIELD] != made[signups.SEED_FIELD]


def test_each_tranche_of_a_ballot_is_a_draw_with_a_seed_of_its_own():
    made = campaign(tranches=TWO_DRAWS)
    seeds = made[signups.SEED_FIELD]
    assert len(set(seeds)) == 2 and made["draw_at"] == "2026-12-02T00:00:00.000000Z"
    assert [d["commitment"] for d in signups.draws(made)] == [
        hashlib.sha256(bytes.fromhex(seed)).hexdigest() for seed in seeds]
    assert [(d["starts_at"], d["tranche"]) for d in signups.draws(made)] == [
        ("2026-12-01T12:00:00.000000Z", 6), ("2026-12-02T00:00:00.000000Z", 4)]


def test_a_seed_is_public_only_once_its_draw_s_coupons_are_out():
    made = {**campaign(tranches=TWO_DRAWS), "status": "active"}
    assert [d["seed"] for d in signups.public_ballot(made)["draws"]] == [None, None]
    made = {**made, **signups.drawing(made, 0, 6, {}, 5, 5, {}, "d" * 64)}
    assert [d["seed"] for d in signups.public_ballot(made)["draws"]] == [None, None]
    assert signups.state_of(made) == signups.ISSUING
    made = {**made, **signups.issued(made, 0, NOW)}
    assert [d["seed"] for d in signups.public_ballot(made)["draws"]] == [
        made[signups.SEED_FIELD][0], None]
    assert signups.state_of(made) == signups.OPEN and signups.next_draw(made) == 1


TWO_DRAWS = [{"starts_at": "2026-12-01T12:00:00Z", "quantity": 6},
             {"starts_at": "2026-12-02T00:00:00Z", "quantity": 4}]
BEFORE_FIRST, BETWEEN = "2026-12-01T08:00:00.000000Z", "2026-12-01T18:00:00.000000Z"


def drawn_first(made, winners, won_by_group):
    made = {**made, **signups.drawing(made, 0, 6, {}, 9, winners, won_by_group, "d" * 64)}
    return {**made, **signups.issued(made, 0, NOW)}


def test_a_loser_is_carried_into_the_next_draw_with_one_more_ticket_and_a_winner_is_not():
    made = {**campaign(tranches=TWO_DRAWS), "status": "active"}
    early, late = (signups.new_signup(made, c, t) for c, t in (("ann", BEFORE_FIRST),
                                                               ("bob", BETWEEN)))
    assert [signups.takes_part(s, made, 0) for s in (early, late)] == [True, False]
    assert [signups.takes_part(s, made, 1) for s in (early, late)] == [True, True]
    assert [signups.weight_in(s, made, 1) for s in (early, late)] == [2, 1]
    assert signups.draw_entry(early, made, 1) == (early["signup_id"], 2, None)
    assert not signups.takes_part({**early, "won_in": 0}, made, 1)
    assert signups.takes_part({**early, "won_in": 1}, made, 1), "a resumed draw reads the same"


def test_a_draw_s_stakes_are_the_tranches_so_far_less_what_earlier_draws_gave():
    made = {**campaign(tranches=TWO_DRAWS,
                       quotas=[{"group": "medics", "slots": 5, "consumers": ["ann"]},
                               {"group": "elders", "slots": 3, "tag": "elder"}]),
            "status": "active"}
    assert signups.stakes(made, 0) == (6, {"medics": 5, "elders": 1})
    # the first draw gave 4 coupons, 1 of them in the medics' quota and 1 in the elders'
    later = drawn_first(made, 4, {"medics": 1, "elders": 1})
    assert signups.stakes(later, 1) == (6, {"medics": 4, "elders": 2})
    thin = drawn_first(made, 6, {"medics": 1, "elders": 1})
    assert signups.stakes(thin, 1) == (4, {"medics": 4, "elders": 0})


def test_a_draw_is_due_once_its_time_and_the_grace_have_passed():
    made = {**campaign(tranches=TWO_DRAWS), "status": "active"}
    assert not signups.drawable(made, "2026-12-01T12:00:30.000000Z", 60)
    assert signups.drawable(made, "2026-12-01T12:01:00.000000Z", 60)
    later = drawn_first(made, 6, {})
    assert not signups.drawable(later, "2026-12-01T13:00:00.000000Z", 60)
    assert signups.drawable({**later, "status": "ended"}, "2026-12-02T00:01:00.000000Z", 60)
    assert listing.campaign_keys(later)["k_draw"].startswith(
        "k_draw|2026-12-02T00:00:00.000000Z")


@pytest.mark.parametrize("fields, field", [
    ({"kind": "lucky_draw", "prize_tiers": [{"name": "一等奖", "face_value_fen": 888,
                                             "quantity": 2, "probability": 1.0}]}, "kind"),
    ({"per_consumer_limit": 2}, "per_consumer_limit"),
    ({"draw_at": "2026-12-01T12:00:00Z"}, "draw_at"),
    ({"quotas": [{"group": "a", "slots": 11, "consumers": ["u"]}]}, "quotas"),
    ({"quotas": [{"group": "a", "slots": 1, "consumers": ["u"]},
                 {"group": "a", "slots": 1, "consumers": ["v"]}]}, "quotas"),
    ({"allocation": "first_come", "draw_at": "2026-12-03T00:00:00Z"}, "allocation"),
])
def test_unsound_ballot_fields_are_refused(fields, field):
    body = {**BODY, **fields}
    if "prize_tiers" in fields:
        body = {k: v for k, v in body.items() if k not in ("face_value_fen", "min_spend_fen")}
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load(body)
    assert field in refused.value.messages


def test_a_sign_up_joins_the_first_group_listing_its_consumer_or_one_of_its_tags():
    made = campaign(quotas=[{"group": "medics", "slots": 2, "consumers": ["ann", "bob"]},
                            {"group": "teachers", "slots": 1, "consumers": ["bob", "cy"]},
                            {"group": "elders", "slots": 1, "tag": "elder"}])
    assert [signups.new_signup(made, c, NOW)["group"] for c in ("ann", "bob", "cy", "dan")] \
        == ["medics", "medics", "teachers", None]
    assert signups.new_signup(made, "dan", NOW, ("student", "elder"))["group"] == "elders"
    assert signups.new_signup(made, "ann", NOW, ("elder",))["group"] == "medics"
    first, again = (signups.new_signup(made, "ann", NOW) for _ in range(2))
    assert first["_id"] == again["_id"] and first["signup_id"] != again["signup_id"]
    assert signups.quotas_of(made) == [ballot.Quota("medics", 2), ballot.Quota("teachers", 1),
                                       ballot.Quota("elders", 1)]


def test_a_claim_of_a_ballot_is_refused_and_a_sign_up_of_a_first_come_campaign_too():
    made = {**campaign(), "status": "active"}
    with pytest.raises(DomainError) as refused:
        rules.claimable(made, NOW)
    assert refused.value.code == "WRONG_STATE"
    rules.open_for_taking_part(made, NOW)
    with pytest.raises(DomainError) as refused:
        signups.require_ballot({**made, "allocation": "first_come"})
    assert refused.value.code == "WRONG_STATE"


def test_the_draw_is_due_after_its_time_and_the_grace_and_never_again_once_drawn():
    made = {**campaign(draw_at="2026-12-02T00:00:00Z"), "status": "ended"}
    assert not signups.drawable(made, "2026-12-02T00:00:30.000000Z", 60)
    assert signups.drawable(made, "2026-12-02T00:01:00.000000Z", 60)
    assert not signups.drawable({**made, "status": "cancelled"}, "2026-12-03T00:00:00Z", 60)
    drawn = {**made, **signups.issued(made, 0, NOW)}
    assert not signups.drawable(drawn, "2026-12-03T00:00:00Z", 60)


def test_only_an_activated_ballot_with_a_draw_ahead_is_kept_in_the_draws_list():
    made = campaign()
    assert listing.campaign_keys(made)["k_draw"] is None  # a draft
    active = {**made, "status": "active"}
    assert listing.campaign_keys(active)["k_draw"].startswith("k_draw|")
    assert listing.campaign_keys({**active, "status": "cancelled"})["k_draw"] is None
    assert listing.campaign_keys({**active, **signups.issued(made, 0, NOW)})["k_draw"] is None


def test_the_digest_is_the_published_csv_s():
    digest = signups.ListDigest()
    for entry in (("0a", 1, None), ("0b", 2, "medics")):
        digest.add(entry)
    text = "signup_id,weight,group\r\n0a,1,\r\n0b,2,medics\r\n"
    assert digest.hexdigest() == hashlib.sha256(text.encode()).hexdigest()
    assert digest.count == 2


def test_a_result_is_won_once_the_coupon_is_out_lost_once_no_draw_is_left_else_pending():
    made = {**campaign(tranches=TWO_DRAWS), "status": "active"}
    entry = signups.new_signup(made, "ann", BEFORE_FIRST)
    assert signups.signup_view(entry, made, won=False)["result"] == "pending"
    won = signups.signup_view(entry, made, won=True)
    assert won["coupon_id"] == signups.coupon_id_of("cp-1", entry["signup_id"])
    assert "consumer" not in won and won["result"] == "won"
    carried = drawn_first(made, 6, {})
    assert signups.signup_view(entry, carried, won=False)["result"] == "pending"
    assert signups.signup_view(entry, carried, won=False)["weight"] == 2
    over = {**carried, **signups.issued(carried, 1, NOW)}
    assert signups.signup_view(entry, over, won=False)["result"] == "lost"


@pytest.mark.parametrize("allocation, tranches", [
    ("first_come", [{"starts_at": "2026-12-01T00:00:00Z", "quantity": 4}]),  # 4, not 10
    ("first_come", [{"starts_at": "2026-12-01T06:00:00Z", "quantity": 5},
                    {"starts_at": "2026-12-01T06:00:00Z", "quantity": 5}]),  # one start twice
    ("first_come", [{"starts_at": "2026-11-30T00:00:00Z", "quantity": 10}]),  # before
    ("first_come", [{"starts_at": "2026-12-02T00:00:00Z", "quantity": 10}]),  # at the end
    ("ballot", [{"starts_at": "2026-12-01T06:00:00Z", "quantity": 10}]),  # leaves sign-ups
])
def test_unsound_tranches_are_refused(allocation, tranches):
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load({**BODY, "allocation": allocation, "tranches": tranches})
    assert "tranches" in refused.value.messages


@pytest.mark.parametrize("budgets, budget_fen", [
    ((300, None), 300),  # on one tranche, not the other
    ((300, 200), 600),  # not adding up
    ((300, 200), None),  # no campaign budget
])
def test_budgets_per_tranche_are_on_every_tranche_and_add_up(budgets, budget_fen):
    tranches = [{**t, **({"budget_fen": b} if b else {})} for t, b in zip(TWO_DRAWS, budgets)]
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load({**BODY, "tranches": tranches, "budget_fen": budget_fen})
    assert "tranches" in refused.value.messages


def test_the_budget_released_is_the_tranches_started_or_all_of_it():
    made = campaign(budget_fen=500, tranches=[{**t, "budget_fen": b} for t, b in zip(
        TWO_DRAWS, (300, 200))])
    assert [rules.budget_released(made, at) for at in (BEFORE_FIRST, BETWEEN, "2026-12-03")] \
        == [0, 300, 500]
    assert rules.budget_released(campaign(budget_fen=500), BEFORE_FIRST) == 500
    assert rules.budget_released(campaign(), BEFORE_FIRST) is None


def test_a_ballot_s_tranches_and_its_draw_time_agree_and_a_quota_names_its_members_once():
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load({**BODY, "tranches": TWO_DRAWS, "draw_at": "2026-12-03T00:00:00Z"})
    assert "draw_at" in refused.value.messages
    for quota in ({"group": "a", "slots": 1}, {"group": "a", "slots": 1, "tag": "elder",
                                                "consumers": ["u"]},
                  {"group": "a", "slots": 1, "tag": "老人"}):
        with pytest.raises(ValidationError) as refused:
            CampaignSchema().load({**BODY, "quotas": [quota]})
        assert "quotas" in refused.value.messages, quota
