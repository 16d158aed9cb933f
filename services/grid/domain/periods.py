"""Inspection periods aligned to the calendar in Asia/Shanghai.

A cadence cuts time into back-to-back periods: ISO weeks (Monday–Sunday), half-months
(1st–15th, 16th–end), calendar months and calendar quarters. An entity owes one inspection in
each period of its cadence (see `cadence.py`).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Cadence(StrEnum):
    """How often an entity must be inspected: once in every period of this length."""

    WEEKLY = "weekly"
    SEMIMONTHLY = "semimonthly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def per_year(self) -> int:
        """Periods in a year (ISO years of 53 weeks aside), used to compare cadences."""
        return _PER_YEAR[self]


_PER_YEAR = {
    Cadence.WEEKLY: 52,
    Cadence.SEMIMONTHLY: 24,
    Cadence.MONTHLY: 12,
    Cadence.QUARTERLY: 4,
}


def fastest(*cadences: Cadence) -> Cadence:
    """The most frequent of `cadences` (at least one)."""
    return max(cadences, key=lambda cadence: cadence.per_year)


@dataclass(frozen=True, order=True)
class Period:
    """One period of a cadence: local days `start` (inclusive) to `until` (exclusive)."""

    start: date
    until: date
    cadence: Cadence

    @property
    def last_day(self) -> date:
        """The period's last day, by whose end an inspection due in it must be done."""
        return self.until - timedelta(days=1)

    @property
    def label(self) -> str:
        """A stable name: "2026-W05", "2026-03-H2", "2026-03" or "2026-Q1"."""
        if self.cadence is Cadence.WEEKLY:
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.cadence is Cadence.SEMIMONTHLY:
            half = 1 if self.start.day == 1 else 2
            return f"{self.start.year}-{self.start.month:02d}-H{half}"
        if self.cadence is Cadence.MONTHLY:
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    def contains(self, day: date) -> bool:
        """Whether local `day` lies in the period."""
        return self.start <= day < self.until

    def next(self) -> "Period":
        """The period that follows this one."""
        return period_containing(self.cadence, self.until)


def _month_start(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def period_containing(cadence: Cadence, day: date) -> Period:
    """The period of `cadence` that holds local `day`."""
    if cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(start, start + timedelta(days=7), cadence)
    if cadence is Cadence.SEMIMONTHLY:
        if day.day <= 15:
            return Period(day.replace(day=1), day.replace(day=16), cadence)
        return Period(day.replace(day=16), _month_start(day.year, day.month + 1), cadence)
    if cadence is Cadence.MONTHLY:
        return Period(day.replace(day=1), _month_start(day.year, day.month + 1), cadence)
    first_month = (day.month - 1) // 3 * 3 + 1
    return Period(date(day.year, first_month, 1), _month_start(day.year, first_month + 3), cadence)


def first_period_from(cadence: Cadence, day: date) -> Period:
    """The first period of `cadence` that starts on or after local `day`."""
    period = period_containing(cadence, day)
    return period if period.start == day else period.next()


def days_in_month(year: int, month: int) -> int:
    """How many days the calendar month has."""
    return calendar.monthrange(year, month)[1]
