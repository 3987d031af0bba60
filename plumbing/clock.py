"""The one source of time (DESIGN.md rule 4)."""
from datetime import UTC, date, datetime, time, timedelta

from nameko.extensions import DependencyProvider

from contracts.due_times import CHINA_STANDARD_TIME
from plumbing.settings import plumbing_settings


class Clock:
    """Wall-clock time in UTC, shifted by ``CLOCK_OFFSET_SECONDS`` (for end-to-end tests)."""

    def __init__(self, offset_seconds=0.0):
        self.offset = timedelta(seconds=offset_seconds)

    def now(self):
        return datetime.now(UTC) + self.offset


class FixedClock(Clock):
    """A clock that moves only when told to; for tests of code that takes a clock."""

    def __init__(self, start):
        super().__init__()
        self.current = start

    def now(self):
        return self.current

    def advance(self, **delta):
        self.current += timedelta(**delta)


def to_rfc3339(moment):
    """Fixed-width UTC text with microseconds and a four-digit year (``strftime("%Y")`` does not
    pad years before 1000), so that text order is time order."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(
        timespec="microseconds") + "Z"


def from_rfc3339(text):
    """The moment an RFC 3339 text names (``Z`` or an offset; a time without one is UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shifted(text, seconds):
    """The RFC 3339 text of ``seconds`` after the moment ``text`` names (before, if negative)."""
    return to_rfc3339(from_rfc3339(text) + timedelta(seconds=seconds))




def china_day(moment):
    """The day in China Standard Time of an RFC 3339 moment, as YYYY-MM-DD: where a day of
    people's (a closing's, a merchant's daily cap) starts and ends."""
    return from_rfc3339(moment).astimezone(CHINA_STANDARD_TIME).date().isoformat()


def china_day_range(day):
    """(start, end) RFC 3339 UTC texts of the China day ``day`` (YYYY-MM-DD): from its
    00:00+08:00, included, to the next day's, excluded."""
    start = datetime.combine(date.fromisoformat(day), time(), CHINA_STANDARD_TIME)
    return to_rfc3339(start), to_rfc3339(start + timedelta(days=1))


def local_time(moment):
    """An RFC 3339 moment as China Standard Time to the minute: "2026-11-21 16:00".
    What does not parse comes out as it is; None as an empty string."""
    if moment is None:
        return ""
    try:
        parsed = from_rfc3339(str(moment))
    except ValueError:
        return str(moment)
    return parsed.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M")


class ClockProvider(DependencyProvider):
    """Injects the container's clock; tests swap it with nameko's ``replace_dependencies``."""

    def setup(self):
        self.clock = Clock(plumbing_settings().clock_offset_seconds)

    def get_dependency(self, worker_ctx):
        return self.clock
