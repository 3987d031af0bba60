import pytest

from contracts.due_times import due_time
from contracts.labels import EN_LABELS, ZH_LABELS
from contracts.schemas.complaints import CATEGORIES, CLOSINGS, PROPOSALS
from plumbing.clock import local_time
from services.notifications.formatting import (
    en_duration,
    en_label,
    percent,
    yuan,
    zh_duration,
    zh_label,
)
from services.registry.metrics import STATUSES


@pytest.mark.parametrize("moment, text", [
    ("2026-12-14T16:00:00.000000Z", "2026-12-14 24:00"),  # the end of the last working day
    ("2026-12-31T16:00:00Z", "2026-12-31 24:00"), ("2026-12-14T16:01:00Z", "2026-12-15 00:01"),
    ("2026-12-14T08:10:30Z", "2026-12-14 16:10"), ("2026-12-14T16:00:00", "2026-12-14 24:00"),
    (None, "")])
def test_a_deadline_due_at_midnight_is_said_as_24_00_of_its_day(moment, text):
    assert due_time(moment) == text


@pytest.mark.parametrize("fen, text", [(0, "0.00"), (5, "0.05"), (1250, "12.50"),
                                       (100000001, "1000000.01"), (-250, "-2.50"),
                                       (None, "0.00")])
def test_yuan_is_exact(fen, text):
    assert yuan(fen) == text


def test_local_time_is_china_standard_time_to_the_minute():
    assert local_time("2026-11-21T16:30:59.999999Z") == "2026-11-22 00:30"
    assert local_time("2026-11-21T08:00:00+08:00") == "2026-11-21 08:00"
    assert local_time("2026-11-21T08:00:00") == "2026-11-21 16:00"  # naive means UTC


def test_local_time_passes_what_it_cannot_read():
    assert local_time("next Tuesday") == "next Tuesday"
    assert local_time(None) == ""


def test_labels_name_codes_and_pass_unknown_ones():
    assert zh_label("short_weight", "category") == "缺斤短两"
    assert zh_label("delisted", "status") == "摘牌"
    assert zh_label("catering", "industry") == "餐饮"
    assert en_label("refund_refused", "category") == "refund refused"
    assert zh_label("brand_new_code", "category") == "brand_new_code"
    assert en_label("brand_new_code", "proposal") == "brand_new_code"


@pytest.mark.parametrize("vocabulary", ["category", "proposal", "closing", "status", "stage",
                                        "decision", "escalation", "industry"])
def test_both_languages_name_the_same_codes(vocabulary):
    assert set(ZH_LABELS[vocabulary]) == set(EN_LABELS[vocabulary])


def test_the_codes_of_the_services_all_have_names():
    for vocabulary, codes in (("category", CATEGORIES), ("proposal", PROPOSALS),
                              ("closing", CLOSINGS), ("status", STATUSES)):
        assert all(zh_label(code, vocabulary) != code for code in codes), vocabulary


def test_durations():
    assert zh_duration(3725.9) == "1小时2分钟"
    assert zh_duration(90061) == "1天1小时1分钟"
    assert zh_duration(30) == "不到1分钟"
    assert en_duration(3725) == "1 h 2 min" and en_duration(7200) == "2 h"
    assert en_duration(0) == "under a minute"


def test_percent():
    assert percent(1.5) == "150%" and percent(0.25) == "25%" and percent(2) == "200%"
