"""The calendar period a snapshot closes: ISO week, month or quarter holding a day."""

import calendar
from datetime import date, datetime, time, timedelta, tzinfo

from .cadence import SnapshotCadence, is_snapshot_day

ONE_DAY = timedelta(days=1)
SNAPSHOT_HOUR = 18
"""Local hour (Asia/Shanghai) of a closing day from which its period counts as ended and
its snapshot is due."""


def period_bounds(cadence: SnapshotCadence, day: date) -> tuple[date, date]:
    """First and last day of the period of `cadence` that holds `day`."""
    if cadence is SnapshotCadence.WEEKLY_FRIDAY:
        monday = day - timedelta(days=day.weekday())
        return monday, monday + timedelta(days=6)
    if cadence is SnapshotCadence.MONTHLY:
        first_month = last_month = day.month
    else:
        first_month = (day.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
    last_day = calendar.monthrange(day.year, last_month)[1]
    return date(day.year, first_month, 1), date(day.year, last_month, last_day)


def previous_period_day(cadence: SnapshotCadence, day: date) -> date:
    """A day of the period just before the one holding `day` (its last day)."""
    return period_bounds(cadence, day)[0] - ONE_DAY


def latest_closing_day(cadence: SnapshotCadence, now: datetime, hour: int) -> date:
    """The latest closing day whose snapshot is due at local time `now` (due from `hour`).

    A Friday's weekly snapshot is due from `hour` that Friday until it is taken, so a
    scheduler that was down on Friday evening still takes it on Saturday.
    """
    day = now.date() if now.hour >= hour else now.date() - ONE_DAY
    while not is_snapshot_day(cadence, day):
        day -= ONE_DAY
    return day


def closing_day(cadence: SnapshotCadence, day: date) -> date:
    """The day that closes the period of `cadence` holding `day`: that week's Friday, the
    month's or the quarter's last day."""
    start, end = period_bounds(cadence, day)
    return start + timedelta(days=4) if cadence is SnapshotCadence.WEEKLY_FRIDAY else end


def period_closes_at(cadence: SnapshotCadence, day: date, zone: tzinfo) -> datetime:
    """When the period holding `day` ends: its closing day at SNAPSHOT_HOUR, local time."""
    return datetime.combine(closing_day(cadence, day), time(SNAPSHOT_HOUR), zone)
