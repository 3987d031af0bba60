"""How messages and pages say when a deadline falls due, the same everywhere: China Standard
Time to the minute, with midnight said as 24:00 of the day before, since a working-day deadline
ends at the end of its last working day ("2026-12-14 24:00", not "2026-12-15 00:00")."""
from datetime import UTC, datetime, timedelta, timezone

# people read times in China Standard Time, which has no summer time (plumbing.clock uses it too)
CHINA_STANDARD_TIME = timezone(timedelta(hours=8))


def due_time(moment):
    """An RFC 3339 moment (a time without an offset is UTC) as a deadline; None as ""."""
    if moment is None:
        return ""
    parsed = datetime.fromisoformat(str(moment))
    local = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(
        CHINA_STANDARD_TIME)
    if (local.hour, local.minute) == (0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"
