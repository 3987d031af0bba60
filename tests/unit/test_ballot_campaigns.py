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
    seed = bytes.fromhex(made[signups.SEED_FIELD])
    assert made["ballot"]["commitment"] == hashlib.sha256(seed).hexdigest()
    assert made["draw_at"] == made["claim_ends_at"] and made["ballot"]["state"] == signups.OPEN
    assert campaign()[signups.SEED_FIELD] != made[signups.SEED_FIELD]


def test_the_seed_is_public_only_once_the_coupons_are_out():
    made = {**campaign(), "status": "ended"}
    assert signups.public_ballot(made)["seed"] is None
    made = {**made, **signups.drawn(made, 5, 5, "d" * 64)}
    assert signups.public_ballot(made)["seed"] is None
    made = {**made, **signups.issued(made, NOW)}
    assert signups.public_ballot(made)["seed"] == made[signups.SEED_FIELD]


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


def test_a_sign_up_joins_the_first_group_listing_its_consumer():
    made = campaign(quotas=[{"group": "medics", "slots": 2, "consumers": ["ann", "bob"]},
                            {"group": "teachers", "slots": 1, "consumers": ["bob", "cy"]}])
    assert [signups.new_signup(made, c, NOW)["group"] for c in ("ann", "bob", "cy", "dan")] \
        == ["medics", "medics", "teachers", None]
    first, again = (signups.new_signup(made, "ann", NOW) for _ in range(2))
    assert first["_id"] == again["_id"] and first["signup_id"] != again["signup_id"]
    assert signups.quotas_of(made) == [ballot.Quota("medics", 2), ballot.Quota("teachers", 1)]


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
    assert not signups.drawable({**made, **signups.issued(made, NOW)}, "2026-12-03T00:00:00Z", 60)


def test_only_an_activated_ballot_not_yet_drawn_is_kept_in_the_draws_list():
    made = campaign()
    assert listing.campaign_keys(made)["k_draw"] is None  # a draft
    active = {**made, "status": "active"}
    assert listing.campaign_keys(active)["k_draw"].startswith("k_draw|")
    assert listing.campaign_keys({**active, "status": "cancelled"})["k_draw"] is None
    assert listing.campaign_keys({**active, **signups.issued(made, NOW)})["k_draw"] is None


def test_the_digest_is_the_published_csv_s():
    entries = [{"signup_id": "0a", "weight": 1, "group": None},
               {"signup_id": "0b", "weight": 2, "group": "medics"}]
    digest = signups.ListDigest()
    for entry in entries:
        digest.add(entry)
    text = "signup_id,weight,group\r\n0a,1,\r\n0b,2,medics\r\n"
    assert digest.hexdigest() == hashlib.sha256(text.encode()).hexdigest()
    assert digest.count == 2


def test_a_result_is_pending_until_the_coupons_are_out():
    made = {**campaign(), "status": "ended"}
    entry = signups.new_signup(made, "ann", NOW)
    assert signups.signup_view(entry, made, won=True)["result"] == "pending"
    drawn = {**made, **signups.issued(made, NOW)}
    won = signups.signup_view(entry, drawn, won=True)
    assert won["coupon_id"] == signups.coupon_id_of("cp-1", entry["signup_id"])
    assert "consumer" not in won and won["result"] == "won"
    assert signups.signup_view(entry, drawn, won=False)["result"] == "lost"


@pytest.mark.parametrize("tranches", [
    [{"starts_at": "2026-12-01T00:00:00Z", "quantity": 4}],  # adds up to 4, not 10
    [{"starts_at": "2026-12-01T06:00:00Z", "quantity": 5},
     {"starts_at": "2026-12-01T06:00:00Z", "quantity": 5}],  # the same start twice
    [{"starts_at": "2026-11-30T00:00:00Z", "quantity": 10}],  # before the window
])
def test_unsound_tranches_are_refused(tranches):
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load({**BODY, "allocation": "first_come", "tranches": tranches})
    assert "tranches" in refused.value.messages


def test_a_ballot_takes_no_tranches_yet():
    with pytest.raises(ValidationError) as refused:
        CampaignSchema().load({**BODY, "tranches": [
            {"starts_at": "2026-12-01T00:00:00Z", "quantity": 10}]})
    assert "tranches" in refused.value.messages
