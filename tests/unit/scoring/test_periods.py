"""Snapshot periods: the previous period, and the latest closing day a scheduler owes."""

from datetime import date, datetime

import pytest

from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.cadence import SnapshotCadence, period_key
from services.scoring.domain.periods import (
    closing_day,
    latest_closing_day,
    period_closes_at,
    previous_period_day,
)

WEEKLY, MONTHLY, QUARTERLY = (
    SnapshotCadence.WEEKLY_FRIDAY,
    SnapshotCadence.MONTHLY,
    SnapshotCadence.QUARTERLY,
)


@pytest.mark.parametrize(
    ("cadence", "day", "previous"),
    [
        (WEEKLY, date(2027, 4, 9), "2027-W13"),
        (WEEKLY, date(2027, 1, 8), "2026-W53"),
        (MONTHLY, date(2027, 3, 31), "2027-02"),
        (MONTHLY, date(2027, 1, 31), "2026-12"),
        (QUARTERLY, date(2027, 6, 30), "2027-Q1"),
        (QUARTERLY, date(2027, 3, 31), "2026-Q4"),
    ],
)
def test_the_previous_period_is_the_adjacent_one(cadence, day, previous):
    assert period_key(cadence, previous_period_day(cadence, day)) == previous


def local(month: int, day: int, hour: int) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("cadence", "now", "closing"),
    [
        (WEEKLY, local(4, 9, 18), date(2027, 4, 9)),  # Friday from 18:00
        (WEEKLY, local(4, 9, 17), date(2027, 4, 2)),  # Friday before 18:00: last week's
        (WEEKLY, local(4, 10, 9), date(2027, 4, 9)),  # Saturday: Friday's, caught up
        (WEEKLY, local(4, 15, 23), date(2027, 4, 9)),
        (MONTHLY, local(4, 10, 9), date(2027, 3, 31)),
        (MONTHLY, local(4, 30, 18), date(2027, 4, 30)),
        (QUARTERLY, local(5, 20, 9), date(2027, 3, 31)),
    ],
)
def test_the_latest_closing_day_is_owed_until_taken(cadence, now, closing):
    assert latest_closing_day(cadence, now, 18) == closing


def test_a_period_ends_on_its_closing_day_at_the_snapshot_hour():
    sunday, wednesday = date(2027, 4, 11), date(2027, 4, 7)
    assert closing_day(SnapshotCadence.WEEKLY_FRIDAY, sunday) == date(2027, 4, 9)
    assert closing_day(SnapshotCadence.WEEKLY_FRIDAY, wednesday) == date(2027, 4, 9)
    assert closing_day(SnapshotCadence.MONTHLY, wednesday) == date(2027, 4, 30)
    assert closing_day(SnapshotCadence.QUARTERLY, wednesday) == date(2027, 6, 30)
    assert period_closes_at(SnapshotCadence.MONTHLY, date(2027, 2, 3), SHANGHAI) == datetime(
        2027, 2, 28, 18, tzinfo=SHANGHAI
    )
