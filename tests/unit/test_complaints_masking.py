import pytest

from services.complaints.masking import (
    mask_long_numbers, mask_person_names, mask_phone, mask_phone_numbers, mask_text)


@pytest.mark.parametrize("text, masked", [
    ("13800138000", "138****8000"),
    ("电话13800138000，晚上打", "电话138****8000，晚上打"),
    ("手机：139 1234 5678。", "手机：139****5678。"),
    ("手机 139-1234-5678", "手机 139****5678"),
    ("+8613912345678", "+86139****5678"),
    ("+86 13912345678", "+86 139****5678"),
    ("全角１３９１２３４５６７８号码", "全角139****5678号码"),
    ("打13800138000或15912345678都行", "打138****8000或159****5678都行"),
    ("座机0571-87654321", "座机0571-******21"),
    ("座机010-62345678转", "座机010-******78转"),
    ("座机(021)6234567", "座机(021)*****67"),
    ("座机057187654321", "座机0571******21"),
])
def test_phone_numbers_are_masked_where_they_stand(text, masked):
    assert mask_phone_numbers(text) == masked


@pytest.mark.parametrize("text", [
    "2026-11-21 买的，花了 128 元",
    "订单号 12345678",            # too short for a mobile, no area code
    "12800138000",                # 12x is no mobile prefix
    "138001380001",               # twelve digits: not a mobile
    "客服 400-123-4567",          # a business number, no area code
])
def test_numbers_that_are_not_phones_are_left_alone(text):
    assert mask_phone_numbers(text) == text


def test_long_numbers_keep_their_last_four():
    assert mask_long_numbers("身份证11010119900307123X。") == "身份证**************123X。"
    assert mask_long_numbers("卡号6222021234567890123") == "卡号***************0123"
    assert mask_long_numbers("订单 20261121000123") == "订单 20261121000123"   # 14 digits


@pytest.mark.parametrize("text, masked", [
    ("王先生态度很差", "*先生态度很差"),
    ("李小姐和张师傅", "*小姐和*师傅"),
    ("那位欧阳女士说", "那位*女士说"),
    ("请联系王先生", "请联系*先生"),
    ("找刘老师", "找*老师"),
    ("我叫王小明，住西湖区", "我叫**，住西湖区"),
    ("我是李四，要求退款", "我是**，要求退款"),
    ("我姓王，", "我姓*，"),
])
def test_names_in_the_recognised_shapes_are_masked(text, masked):
    assert mask_person_names(text) == masked


@pytest.mark.parametrize("text", [
    "这位先生不讲理",
    "先生您好",
    "我是消费者，在店里买了一箱苹果",
    "我叫了外卖，送来就凉了",
    "菜里有头发，店家拒绝退款。",
])
def test_text_without_names_is_unchanged(text):
    assert mask_person_names(text) == text
    assert mask_text(text) == text


def test_the_known_limit_a_three_character_name_keeps_its_first_character():
    assert mask_person_names("张三丰女士") == "张*女士"


def test_mask_text_masks_phones_numbers_and_names_together():
    text = "我叫王小明，电话13800138000，身份证110101199003071234，店里的李师傅推我。"
    assert mask_text(text) == "我叫**，电话138****8000，身份证**************1234，店里的*师傅推我。"


@pytest.mark.parametrize("phone, masked", [
    ("13800138000", "138****8000"),
    (" 13800138000 ", "138****8000"),
    ("+86 138 0013 8000", "+86 138****8000"),
    ("0571-87654321", "0571-******21"),
    ("12345", "***45"),
    ("", ""),
    (None, None),
])
def test_a_bare_phone_field(phone, masked):
    assert mask_phone(phone) == masked
