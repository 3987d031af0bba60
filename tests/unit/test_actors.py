import pytest

from plumbing.actors import Actor, covers


@pytest.mark.parametrize("jurisdiction, region, expected", [
    ("330100", "330106", True),
    ("330100", "330100", True),
    ("330100", "330200", False),
    ("330100", "340106", False),
    ("330000", "330106", True),
    ("330000", "330206", True),
    ("330000", "340100", False),
    ("330106", "330106", True),
    ("330106", "330107", False),
    ("330106", "330100", False),
    ("330100", "", False),
    ("330100", None, False),
    ("", "330106", False),
    (None, "330106", False),
])
def test_covers_treats_trailing_zero_pairs_as_wildcards(jurisdiction, region, expected):
    assert covers(jurisdiction, region) is expected


@pytest.mark.parametrize("actor, recipient", [
    (Actor(sub="u1", role="merchant", merchant_id="m1"), "merchant:m1"),
    (Actor(sub="u1", role="merchant"), "user:u1"),
    (Actor(sub="u1", role="consumer"), "user:u1"),
    (Actor(sub="u1", role="regulator", region="330100", level="city"), "user:u1"),
    (Actor(sub="u1", role="consumer", merchant_id="m1"), "user:u1"),
])
def test_recipient(actor, recipient):
    assert actor.recipient == recipient


def test_two_accounts_of_one_merchant_share_an_inbox():
    first = Actor(sub="u1", role="merchant", merchant_id="m1")
    second = Actor(sub="u2", role="merchant", merchant_id="m1")
    assert first.recipient == second.recipient


@pytest.mark.parametrize("role", ["consumer", "merchant", "operator", "system"])
def test_only_regulators_have_jurisdiction(role):
    assert not Actor(sub="u1", role=role, region="330100").has_jurisdiction_over("330106")


@pytest.mark.parametrize("region, expected", [("330106", True), ("330206", False)])
def test_regulator_jurisdiction_follows_covers(region, expected):
    regulator = Actor(sub="r1", role="regulator", region="330100", level="city")
    assert regulator.has_jurisdiction_over(region) is expected


def test_dict_round_trip_ignores_extra_claims():
    actor = Actor(sub="r1", role="regulator", region="330100", level="city")
    assert Actor.from_dict({**actor.to_dict(), "exp": 1, "aud": "x"}) == actor
