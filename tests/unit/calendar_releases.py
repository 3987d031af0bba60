"""What deploying a release of the official calendar that covers 2027 changes, for the tests of
pending deadlines: 2027 becomes a covered year, its weekdays worked and 1 January off."""
from datetime import date

from services.complaints import working_days


def cover_2027(monkeypatch):
    monkeypatch.setattr(working_days, "COVERED_YEARS", range(2004, 2028))
    monkeypatch.setattr(working_days, "LAST_COVERED_YEAR", 2027)
    monkeypatch.setattr(working_days.chinese_calendar, "is_workday",
                        lambda day: day.weekday() < 5 and day != date(2027, 1, 1))
