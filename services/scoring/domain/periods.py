"""The calendar period a snapshot closes: ISO week, month or quarter holding a day."""

import calendar
from datetime import date, timedelta

from .cadence import SnapshotCadence


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
