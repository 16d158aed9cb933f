"""Business days in Asia/Shanghai: every day, week, month and quarter here is a local one."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import InvalidInput

CHINA = ZoneInfo("Asia/Shanghai")


def ensure_aware(at: datetime, what: str = "time") -> datetime:
    """`at` itself if it carries a time zone; a naive time is refused, never guessed."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput(f"{what} must carry a time zone", field=what)
    return at


def local_day(at: datetime, what: str = "time") -> date:
    """The Asia/Shanghai calendar day of the instant `at`."""
    return ensure_aware(at, what).astimezone(CHINA).date()


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Asia/Shanghai."""
    return datetime.combine(day, time(0), CHINA)


def end_of_day(day: date) -> datetime:
    """Midnight at the end of `day` (the start of the next) in Asia/Shanghai."""
    return start_of_day(day + timedelta(days=1))
