"""Working-day deadlines on the official calendar (services/complaints/working_days.py), on its
real edges: the National Day holiday of 2026 and the moved working Saturday after it."""
from datetime import UTC, date, datetime

import chinese_calendar
import pytest

from plumbing.clock import CHINA_STANDARD_TIME
from services.complaints.working_days import (
    CalendarGap,
    covered_years,
    is_working_day,
    working_days_after,
    working_days_between,
)


def china(*fields):
    return datetime(*fields, tzinfo=CHINA_STANDARD_TIME)


def test_a_complaint_received_the_day_before_national_day_waits_out_the_holiday():
    received = china(2026, 9, 30, 16, 0)
    deadline = working_days_after(received, 7)
    # 1–7 October are off, Saturday 10 October is worked: the 7th working day is 15 October
    assert deadline == china(2026, 10, 16, 0, 0)
    assert chinese_calendar.find_workday(7, received.date()).isoformat() == "2026-10-15"
    assert working_days_between(received, china(2026, 10, 15, 23, 59)) == 7


def test_a_moved_working_saturday_counts_and_the_sunday_after_it_does_not():
    assert is_working_day(china(2026, 10, 10).date())  # a Saturday, worked (调休)
    assert not is_working_day(china(2026, 10, 11).date())
    received_on_the_saturday = china(2026, 10, 10, 9, 30)
    assert working_days_after(received_on_the_saturday, 1) == china(2026, 10, 13, 0, 0)


def test_the_day_is_the_day_in_china_not_in_utc():
    # 9 October 17:00 UTC is already Saturday 10 October in China: the next working day is
    # Monday 12 October, not (counting from UTC's Friday) the Saturday
    received = datetime(2026, 10, 9, 17, 0, tzinfo=UTC)
    assert working_days_after(received, 1) == china(2026, 10, 13, 0, 0)


def test_a_year_the_calendar_does_not_cover_is_refused_never_guessed():
    gap = date(covered_years().stop, 1, 1)
    assert gap.year == covered_years().stop
    with pytest.raises(CalendarGap) as refused:
        is_working_day(gap)
    assert refused.value.year == gap.year
    late_in_the_last_year = china(covered_years().stop - 1, 12, 28, 10, 0)
    with pytest.raises(CalendarGap):
        working_days_after(late_in_the_last_year, 45)


def test_a_deadline_counts_at_least_one_day():
    with pytest.raises(ValueError):
        working_days_after(china(2026, 6, 1), 0)
