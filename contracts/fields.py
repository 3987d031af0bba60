"""Marshmallow fields shared by every service's schemas: dates and times within the years a
programme can mean (2000–2099), so that nothing absurd is stored, or compared as text."""
from datetime import UTC, date, datetime

from marshmallow import fields

EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
OUT_OF_RANGE = f"must be between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


def within_years(moment):
    """Whether a date, or a time (in UTC when it has an offset), falls in 2000–2099. The year is
    checked before any conversion, which would overflow near years 1 and 9999."""
    day = moment.date() if isinstance(moment, datetime) else moment
    if not EARLIEST.year - 1 <= day.year <= LATEST.year + 1:
        return False
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        day = moment.astimezone(UTC).date()
    return EARLIEST <= day <= LATEST


class _WithinYears(fields.Field):
    """Mixin: refuses values outside 2000–2099 with a field error."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not within_years(moment):
            raise self.make_error("out_of_range")
        return moment


class SaneDate(_WithinYears, fields.Date):
    default_error_messages = {**fields.Date.default_error_messages, "out_of_range": OUT_OF_RANGE}


class SaneDateTime(_WithinYears, fields.DateTime):
    default_error_messages = {**fields.DateTime.default_error_messages,
                              "out_of_range": OUT_OF_RANGE}


class SaneAwareDateTime(_WithinYears, fields.AwareDateTime):
    default_error_messages = {**fields.AwareDateTime.default_error_messages,
                              "out_of_range": OUT_OF_RANGE}
