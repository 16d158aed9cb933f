"""Cadences: how often an entity is inspected, and when ranking snapshots are taken."""

import calendar
from datetime import date
from enum import StrEnum


class InspectionCadence(StrEnum):
    """How often a supervised entity must be inspected."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def per_year(self) -> int:
        """Inspections a year at this cadence, used to compare cadences."""
        return _PER_YEAR[self]


_PER_YEAR = {
    InspectionCadence.DAILY: 365,
    InspectionCadence.WEEKLY: 52,
    InspectionCadence.MONTHLY: 12,
    InspectionCadence.QUARTERLY: 4,
    InspectionCadence.YEARLY: 1,
}


def more_frequent(first: InspectionCadence, second: InspectionCadence) -> InspectionCadence:
    """The more frequent of two inspection cadences."""
    return first if first.per_year >= second.per_year else second


class SnapshotCadence(StrEnum):
    """When a campaign's ranking is frozen into a snapshot (000:L123, L192, L501)."""

    WEEKLY_FRIDAY = "weekly_friday"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


def is_snapshot_day(cadence: SnapshotCadence, day: date) -> bool:
    """Whether `day` closes a period: a Friday, the last day of a month, or of a quarter."""
    if cadence is SnapshotCadence.WEEKLY_FRIDAY:
        return day.weekday() == calendar.FRIDAY
    month_ends = day.day == calendar.monthrange(day.year, day.month)[1]
    if cadence is SnapshotCadence.MONTHLY:
        return month_ends
    return month_ends and day.month % 3 == 0


def period_key(cadence: SnapshotCadence, day: date) -> str:
    """The label of the period holding `day`: "2024-W05", "2024-03" or "2024-Q1"."""
    if cadence is SnapshotCadence.WEEKLY_FRIDAY:
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    if cadence is SnapshotCadence.MONTHLY:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
