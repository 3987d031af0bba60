"""Coupon kinds have one home (contracts/coupon_kinds.py): the campaign schema, the discount, the
store and claim pages and the notification messages all ask it. A kind registered here, in the
test, works through each of them with no other change."""
from pathlib import Path

import pytest
from marshmallow import ValidationError

from contracts import coupon_kinds
from contracts.schemas.coupons import CampaignSchema
from gateway.store_page_html import TEXT, coupon_row
from plumbing.errors import DomainError
from services.coupons import rules
from services.coupons.claiming import coupon_claimed
from services.coupons.events import CONTRACTS
from services.notifications.templates import render

CONTRACTS_PACKAGE = Path(coupon_kinds.__file__).parent
NOW = "2026-10-01T00:00:00.000000Z"


class PercentOffAbove(coupon_kinds.Kind):
    """满200元打9折: ``percent_off`` of an order of at least ``min_spend_fen``, without a cap."""
    name = "percent_off_above"
    needs = ("percent_off",)
    wording = {"zh-CN": "满{minimum}元打{tenths:g}折",
               "en": "{percent}% off orders of {minimum} yuan or more"}

    def problems(self, campaign):
        if not campaign["min_spend_fen"]:
            return {"min_spend_fen": ["a percent_off_above needs a minimum spend"]}
        return {}

    def discount_fen(self, campaign, coupon, order_fen):
        return order_fen * campaign["percent_off"] // 100

    def terms(self, coupon, locale):
        percent, minimum = coupon.get("percent_off"), coupon.get("min_spend_fen")
        if not (percent and minimum):
            return ""
        return self.wording[locale].format(percent=percent, tenths=(100 - percent) / 10,
                                           minimum=coupon_kinds.yuan(minimum))


@pytest.fixture
def percent_off_above():
    coupon_kinds.register(PercentOffAbove)
    yield
    del coupon_kinds.KINDS[PercentOffAbove.name]


def body(**overrides):
    return {"name": "周末满额折扣", "kind": "percent_off_above", "percent_off": 10,
            "min_spend_fen": 20000, "total_quantity": 100,
            "claim_starts_at": "2026-10-01T00:00:00Z", "claim_ends_at": "2026-10-08T00:00:00Z",
            "valid_days": 7, **overrides}


def problems_of(payload):
    with pytest.raises(ValidationError) as caught:
        CampaignSchema().load(payload)
    return caught.value.messages


# --- a new kind, through the public functions ----------------------------------------------

def test_a_kind_nobody_registered_is_refused():
    assert problems_of(body()) == {"kind": [
        "Must be one of: voucher, discount, group_buy, lucky_draw."]}


def test_the_schema_takes_the_new_kind_once_registered(percent_off_above):
    assert CampaignSchema().load(body())["kind"] == "percent_off_above"


def test_the_schema_checks_the_new_kinds_fields(percent_off_above):
    assert problems_of(body(percent_off=None)) == {
        "percent_off": ["a percent_off_above needs percent_off"]}
    assert problems_of(body(min_spend_fen=0)) == {
        "min_spend_fen": ["a percent_off_above needs a minimum spend"]}
    assert "percent_off" in problems_of(body(percent_off=100))  # the field's own range
    assert problems_of(body(prize_tiers=[{"name": "一等奖", "face_value_fen": 100,
                                          "quantity": 1, "probability": 0.5}])) == {
        "prize_tiers": ["only a lucky_draw has prize_tiers"]}


def test_the_new_kind_gives_its_discount(percent_off_above):
    campaign = rules.new_campaign("camp-9", CampaignSchema().load(body()), "ops", NOW)
    coupon = rules.new_coupon("k-1", campaign, "u-42", NOW)
    assert rules.discount_for(campaign, coupon, 30000) == 3000
    assert rules.discount_for(campaign, coupon, 20001) == 2000  # floored to the fen
    with pytest.raises(DomainError) as caught:
        rules.discount_for(campaign, coupon, 19999)
    assert caught.value.code == "MIN_SPEND_NOT_MET"


def test_the_pages_word_the_new_kind_in_both_languages(percent_off_above):
    campaign = CampaignSchema().load(body())
    assert coupon_row(campaign, TEXT["zh-CN"]) == ("周末满额折扣", "满200元打9折")
    assert coupon_row(campaign, TEXT["en"]) == ("周末满额折扣",
                                                "10% off orders of 200 yuan or more")


def test_the_claimed_message_words_the_new_kind_in_both_languages(percent_off_above):
    campaign = rules.new_campaign("camp-9", CampaignSchema().load(body()), "ops", NOW)
    data = claimed_event_data(campaign)
    assert CONTRACTS["coupon_claimed"].problems(data) == {}
    _, zh = render("coupon_claimed", "zh-CN", data)
    _, en = render("coupon_claimed", "en", data)
    assert "（满200元打9折）" in zh and "(10% off orders of 200 yuan or more)" in en


def claimed_event_data(campaign, prize=None):
    """A coupon_claimed event's data as the coupons service makes it (claiming.py)."""
    _, data = coupon_claimed(campaign, rules.new_coupon("k-1", campaign, "u-42", NOW, prize))
    return data


# --- the kinds there are -----------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(coupon_kinds.KINDS.values()), ids=lambda k: k.name)
def test_every_kind_words_itself_in_both_languages_with_fields_that_exist(kind):
    assert tuple(kind.wording) == coupon_kinds.LOCALES
    assert set(kind.needs) | set(kind.owns) <= set(coupon_kinds.CAMPAIGN_FIELDS)


@pytest.mark.parametrize("kind, amounts, zh, en", [
    ("voucher", {"face_value_fen": 2000, "min_spend_fen": 10000}, "满100元减20元",
     "20 yuan off orders of 100 yuan or more"),
    ("discount", {"percent_off": 20, "cap_fen": 5000}, "8折", "20% off"),
    ("group_buy", {"face_value_fen": 9900}, "团购价99元", "group-buy price 99 yuan"),
])
def test_each_kinds_claimed_message_says_what_the_coupon_is_worth(kind, amounts, zh, en):
    data = {"campaign_name": "国庆", "prize": None, "kind": kind,
            "expires_at": "2026-10-08T15:59:59.000000Z",
            **dict.fromkeys(coupon_kinds.AMOUNT_FIELDS), "min_spend_fen": 0,
            **amounts}
    assert f"（{zh}）" in render("coupon_claimed", "zh-CN", data)[1]
    assert f"({en})" in render("coupon_claimed", "en", data)[1]


def test_a_group_buy_message_names_a_price_not_money_off():
    data = {"campaign_name": "双人套餐", "prize": None, "kind": "group_buy",
            "face_value_fen": 6800, "min_spend_fen": 0, "percent_off": None, "cap_fen": None,
            "expires_at": "2026-10-08T15:59:59.000000Z"}
    _, body_zh = render("coupon_claimed", "zh-CN", data)
    assert "团购价68元" in body_zh and "立减" not in body_zh and "面值" not in body_zh


def test_a_lucky_draw_message_words_the_prize_as_money_off():
    tier = {"name": "一等奖", "face_value_fen": 2000, "min_spend_fen": 10000, "quantity": 1,
            "probability": 0.5}
    campaign = rules.new_campaign("camp-7", CampaignSchema().load(body(
        name="国庆抽奖", kind="lucky_draw", percent_off=None, min_spend_fen=0,
        prize_tiers=[tier])), "ops", NOW)
    data = claimed_event_data(campaign, tier)
    assert CONTRACTS["coupon_claimed"].problems(data) == {}
    _, zh = render("coupon_claimed", "zh-CN", data)
    assert "（奖品：一等奖，满100元减20元）" in zh
    assert coupon_row(campaign) == ("国庆抽奖", "")  # the campaign itself shows no amounts


def test_an_event_from_before_the_kind_was_carried_is_worded_by_its_amounts():
    data = {"campaign_name": "国庆", "prize": None, "face_value_fen": 5000,
            "expires_at": "2026-10-08T15:59:59.000000Z"}
    assert "（立减50元）" in render("coupon_claimed", "zh-CN", data)[1]
