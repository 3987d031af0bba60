import pytest

from contracts.phones import mask_phone
from services.complaints.masking import (
    mask_handles,
    mask_long_numbers,
    mask_person_names,
    mask_phone_numbers,
    mask_text,
)


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


@pytest.mark.parametrize("text, masked", [
    ("张三丰女士", "**女士"),                       # a three-character name loses all of it
    ("店员张三拒绝退货", "店员**拒绝退货"),
    ("服务员李小红态度很差，经理王建国也不管", "服务员**态度很差，经理**也不管"),
    ("我妈刘桂芳在超市买的牛奶过期了", "我妈**在超市买的牛奶过期了"),
    ("快递员马军把包裹扔在门口", "快递员**把包裹扔在门口"),
    ("客服黄丽丽说三天内处理", "客服**说三天内处理"),
    ("江涛拒绝退款", "**拒绝退款"),                 # no staff word: the tagger's name
    ("当时在场的有杨光、赵丽和孙小军", "当时在场的有**、**和**"),
    ("那位欧阳娜娜女士和司马光先生", "那位**女士和**先生"),
    ("前台小王说没有房间了", "前台小*说没有房间了"),
    ("班主任郑老师不负责", "班主任*老师不负责"),
    ("理发师Tony把我头发剪坏了", "理发师**把我头发剪坏了"),
    ("老板姓牛", "老板姓*"),
])
def test_names_the_segmenter_finds_are_masked(text, masked):
    assert mask_person_names(text) == masked


@pytest.mark.parametrize("text", [
    "在王府井的店里买了一斤白菜和黄金手镯，马上就坏了",
    "去张家界旅游，本来很高兴",
    "刘海剪歪了，理发店不认账",
    "李宁专卖店的鞋开胶了，华为手机屏幕也坏了",
    "杨梅不新鲜，李子也烂了",
    "服务员小姐说今天没有优惠活动",
    "我是上周投诉过的顾客",
    "物业经理说小区物业费要涨",
    "Tony and Amy",                                  # no Chinese: the tagger is not asked
])
def test_words_that_look_like_names_are_left_alone(text):
    assert mask_person_names(text) == text


@pytest.mark.parametrize("text, masked", [
    ("邮箱chenli_88@163.com里有截图", "邮箱c***@163.com里有截图"),
    ("卖家微信号：zhangsan_1990，已拉黑", "卖家微信号：***，已拉黑"),
    ("加vx:lm88996655私下交易", "加vx:***私下交易"),
    ("卖家的wx号wxid_8k2j3h4g5f已删除我", "卖家的wx号***已删除我"),
    ("车牌浙A12345在店里", "车牌浙A*****在店里"),
    ("新能源车浙A·D12345做漆", "新能源车浙A·******做漆"),
    ("车川A-9X7Y6的车门", "车川A-*****的车门"),
    ("收货地址3-2-501室", "收货地址*-*-***室"),
    ("住12栋1单元502，快递", "住**栋*单元***，快递"),
    ("入住的1208房间，B座1203", "入住的****房间，*座****"),
    ("1506和1508两个房间都有蟑螂", "****和****两个房间都有蟑螂"),
])
def test_handles_are_masked(text, masked):
    assert mask_handles(text) == masked


@pytest.mark.parametrize("text", [
    "订单号20240315001234，快递单号SF1234567890",
    "解放路128号3楼，2号桌，第3排5号",
    "花了398元，2024-03-15买的，iPhone 15，A4纸",
    "微信联系过了，vx也加了",
])
def test_numbers_and_words_that_are_no_handles_are_left_alone(text):
    assert mask_handles(text) == text


def test_long_numbers_in_groups_keep_their_last_four():
    assert mask_long_numbers("卡号6222 0212 3456 7890 123。") == "卡号**** **** **** **** 123。"
    assert mask_long_numbers("身份证110101 19810704 367X") == "身份证****** ******** 367X"
    assert mask_phone_numbers("有事请打021 5432 1098找我") == "有事请打021 **** **98找我"


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
