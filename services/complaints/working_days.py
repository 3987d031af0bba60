"""Working days on China's official calendar (its public holidays and the moved working days,
调休), as the complaint rules count them: "within N working days of receiving it" ends at 24:00,
China Standard Time, of the Nth working day after the day of receipt. Pure.

The calendar (``chinese-calendar``) knows the years the State Council has published. A day of
any other year is refused with ``CalendarGap``: never counted as a plain weekday or a calendar
day, since a deadline that quietly lands on a holiday is wrong in the consumer's disfavour."""
from datetime import date, datetime, time, timedelta

import chinese_calendar
from chinese_calendar import constants

from plumbing.clock import CHINA_STANDARD_TIME

ONE_DAY = timedelta(days=1)


class CalendarGap(LookupError):
    """A day of a year the official calendar does not cover yet."""

    def __init__(self, day):
        super().__init__(f"the official calendar has no data for {day.year} (it covers "
                         f"{COVERED_YEARS.start}–{LAST_COVERED_YEAR})")
        self.year = day.year


def covered_years():
    years = {day.year for day in constants.holidays}
    return range(min(years), max(years) + 1)


COVERED_YEARS = covered_years()
LAST_COVERED_YEAR = COVERED_YEARS.stop - 1


def days_left(today):
    """Days from ``today`` to the last day the calendar covers (negative once past it)."""
    return (date(LAST_COVERED_YEAR, 12, 31) - today).days


def is_working_day(day):
    if day.year not in COVERED_YEARS:
        raise CalendarGap(day)
    return chinese_calendar.is_workday(day)


def local_day(moment):
    """The day in China of an aware ``datetime``."""
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def working_days_after(received, count):
    """The end (an aware ``datetime``, 24:00 China Standard Time) of the ``count``-th working
    day after the day ``received`` falls on there."""
    if count < 1:
        raise ValueError("a deadline counts at least one working day")
    day, counted = local_day(received), 0
    while counted < count:
        day += ONE_DAY
        counted += is_working_day(day)
    return datetime.combine(day + ONE_DAY, time(), CHINA_STANDARD_TIME)


def working_days_between(start, end):
    """Working days after ``start``'s day, up to and including ``end``'s (both aware)."""
    day, last, counted = local_day(start), local_day(end), 0
    while day < last:
        day += ONE_DAY
        counted += is_working_day(day)
    return counted
