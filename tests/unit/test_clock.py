from datetime import UTC, datetime, timedelta, timezone

import pytest

from plumbing.clock import Clock, FixedClock, from_rfc3339, shifted, to_rfc3339

START = datetime(2026, 11, 21, 8, 0, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


def test_fixed_clock_stands_still():
    clock = FixedClock(START)
    assert clock.now() == clock.now() == START


@pytest.mark.parametrize("delta, expected", [
    ({"seconds": 90}, START + timedelta(seconds=90)),
    ({"days": 2, "hours": 1}, START + timedelta(days=2, hours=1)),
    ({"seconds": -1}, START - timedelta(seconds=1)),
])
def test_fixed_clock_advances_when_told(delta, expected):
    clock = FixedClock(START)
    clock.advance(**delta)
    assert clock.now() == expected


def test_advances_add_up():
    clock = FixedClock(START)
    clock.advance(hours=1)
    clock.advance(minutes=30)
    assert clock.now() == START + timedelta(minutes=90)


def test_clock_offset_shifts_the_wall_clock():
    before = datetime.now(UTC) + timedelta(hours=1)
    shifted = Clock(offset_seconds=3600).now()
    after = datetime.now(UTC) + timedelta(hours=1)
    assert before <= shifted <= after
    assert shifted.utcoffset() == timedelta(0)


@pytest.mark.parametrize("moment, text", [
    (START, "2026-11-21T08:00:00.000000Z"),
    (START.replace(microsecond=7), "2026-11-21T08:00:00.000007Z"),
    (datetime(2026, 11, 21, 16, 0, tzinfo=CST), "2026-11-21T08:00:00.000000Z"),
    (datetime(2026, 1, 1, 0, 30, tzinfo=CST), "2025-12-31T16:30:00.000000Z"),
])
def test_rfc3339_is_utc_with_microseconds(moment, text):
    assert to_rfc3339(moment) == text


def test_rfc3339_has_a_fixed_width():
    moments = [START, START.replace(microsecond=1), START.replace(microsecond=999999),
               datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)]
    assert {len(to_rfc3339(m)) for m in moments} == {27}


def test_string_order_is_time_order():
    moments = [START + timedelta(microseconds=n) for n in (0, 1, 9, 10, 999999, 1000000)]
    moments += [START + timedelta(days=n) for n in (1, 9, 10, 100, 400)]
    moments += [datetime(2026, 11, 21, 15, 59, 59, 999999, tzinfo=CST),  # 07:59:59 UTC
                datetime(2026, 11, 21, 16, 0, 0, 1, tzinfo=CST)]
    by_text = sorted(moments, key=to_rfc3339)
    assert by_text == sorted(moments)


@pytest.mark.parametrize("moment, text", [
    (datetime(235, 6, 15, 8, 27, 44, tzinfo=UTC), "0235-06-15T08:27:44.000000Z"),
    (datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
     "0999-12-31T23:59:59.999999Z"),
])
def test_rfc3339_pads_years_to_four_digits(moment, text):
    assert to_rfc3339(moment) == text


@pytest.mark.parametrize("text", ["2026-11-21T08:00:00.000000Z", "2026-11-21T16:00:00+08:00",
                                  "2026-11-21T08:00:00"])
def test_a_time_is_read_back_as_the_moment_it_names(text):
    assert from_rfc3339(text) == START


def test_shifted_moves_a_time_and_writes_it_the_stored_way():
    assert shifted("2026-11-21T16:00:00+08:00", 90) == "2026-11-21T08:01:30.000000Z"
    assert shifted(to_rfc3339(START), -86400) == "2026-11-20T08:00:00.000000Z"
