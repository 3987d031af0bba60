"""Dates and times out of 2000–2099 are refused as field errors, never stored."""
import pytest
from marshmallow import Schema, ValidationError

from contracts.fields import SaneAwareDateTime, SaneDate, SaneDateTime


class Sample(Schema):
    day = SaneDate()
    at = SaneDateTime()
    aware = SaneAwareDateTime()


@pytest.mark.parametrize("field, value", [
    ("day", "0235-06-15"), ("day", "1999-12-31"), ("day", "2100-01-01"), ("day", "9999-12-31"),
    ("at", "0235-06-15T08:27:44Z"), ("at", "0001-01-01T00:00:00"),
    ("aware", "0235-06-15T08:27:44Z"), ("aware", "0001-01-01T00:00:00+01:00"),
    ("aware", "9999-12-31T23:59:59-01:00"), ("aware", "2100-01-01T08:00:00+08:00"),
])
def test_out_of_range_is_a_field_error(field, value):
    with pytest.raises(ValidationError) as raised:
        Sample().load({field: value})
    assert "between 2000-01-01 and 2099-12-31" in raised.value.messages[field][0]


@pytest.mark.parametrize("field, value", [
    ("day", "2000-01-01"), ("day", "2099-12-31"), ("at", "2026-12-01T08:00:00Z"),
    ("aware", "2099-12-31T23:59:59Z"), ("aware", "2100-01-01T07:59:59+08:00"),
])
def test_dates_of_the_programme_pass(field, value):
    assert field in Sample().load({field: value})
