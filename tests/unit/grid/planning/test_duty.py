from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from services.grid.domain.duty import (
    DayRange,
    MemberDuty,
    Patrol,
    display,
    member_report,
    months_in,
    parse_duty_policy,
    unit_report,
)
from services.grid.domain.errors import InvalidInput, InvalidPolicy
from services.grid.domain.local_time import CHINA
from services.grid.policy import load_duty_policy

POLICY = load_duty_policy()
VILLAGE_A = "320115103201"
VILLAGE_B = "320115103202"
TOWN = "320115103000"
JUNE = DayRange(date(2026, 6, 1), date(2026, 6, 30))


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def patrol(member: str, start: datetime, hours: float, matters: int = 0) -> Patrol:
    return Patrol(member, start, start + timedelta(hours=hours), matters)


def member(member_id: str, unit: str = VILLAGE_A, *spans: DayRange) -> MemberDuty:
    return MemberDuty(member_id, unit, spans or (JUNE,))


def test_default_thresholds():
    assert POLICY.min_daily_average_hours == 2
    assert POLICY.min_monthly_average_matters == 10


def test_averages_over_the_period_not_a_floor_per_day():
    # 60 hours in 30 days, all on three days: a daily average of exactly 2 h.
    patrols = [patrol("m", at(6, day, 8), 20, matters=4) for day in (3, 10, 17)]
    report = member_report(member("m"), JUNE, patrols, POLICY)
    assert report.figures.daily_average_hours == 2
    assert report.figures.monthly_average_matters == 12
    assert report.figures.meets_both


def test_just_below_either_threshold_fails_it():
    patrols = [patrol("m", at(6, 3, 8), 59.99, matters=9)]
    figures = member_report(member("m"), JUNE, patrols, POLICY).figures
    assert not figures.meets_hours and not figures.meets_matters
    assert display(figures.daily_average_hours) == Decimal("2.00")  # rounded only for display


def test_a_patrol_crossing_midnight_counts_by_its_hours():
    night = patrol("m", at(6, 10, 22), 4)  # 22:00 to 02:00 next day
    assert member_report(member("m"), JUNE, [night], POLICY).figures.patrol_seconds == 4 * 3600


def test_only_the_hours_inside_the_period_count_and_matters_go_by_start():
    across = patrol("m", at(6, 30, 22), 4, matters=3)  # two hours in June, two in July
    late = patrol("m", at(7, 1, 1), 1, matters=5)
    figures = member_report(member("m"), JUNE, [across, late], POLICY).figures
    assert figures.patrol_seconds == 2 * 3600
    assert figures.matters == 3


def test_other_members_patrols_do_not_count():
    figures = member_report(member("m"), JUNE, [patrol("x", at(6, 3), 5, 3)], POLICY).figures
    assert (figures.patrol_seconds, figures.matters) == (0, 0)


def test_a_reassignment_does_not_move_yesterdays_figures():
    # m served cell 1 in June 1–15; from the 16th m serves another village: same days, same figures.
    first_half = DayRange(date(2026, 6, 1), date(2026, 6, 15))
    patrols = [patrol("m", at(6, day, 8), 2, 1) for day in range(1, 16)]
    before = member_report(member("m", VILLAGE_A, first_half), JUNE, patrols, POLICY)
    later = [*patrols, patrol("m", at(6, 20, 8), 10, 20)]
    after = member_report(member("m", VILLAGE_A, first_half), JUNE, later, POLICY)
    assert before == after
    assert before.figures.days == 15
    assert before.figures.months == Fraction(1, 2)
    assert before.figures.daily_average_hours == 2
    assert before.figures.monthly_average_matters == 30


def test_overlapping_days_on_duty_are_refused():
    spans = (
        DayRange(date(2026, 6, 1), date(2026, 6, 15)),
        DayRange(date(2026, 6, 15), date(2026, 6, 30)),
    )
    with pytest.raises(InvalidInput):
        member_report(member("m", VILLAGE_A, *spans), JUNE, [], POLICY)


def test_a_member_with_no_days_on_duty_has_no_averages_and_meets_nothing():
    away = DayRange(date(2026, 7, 1), date(2026, 7, 31))
    figures = member_report(member("m", VILLAGE_A, away), JUNE, [], POLICY).figures
    assert figures.days == 0 and figures.daily_average_hours is None
    assert not figures.meets_hours and not figures.meets_matters


def test_unit_roll_up_over_a_subtree():
    patrols = [
        patrol("a", at(6, 1), 60, 10),
        patrol("b", at(6, 1), 30, 12),
        patrol("c", at(6, 1), 90, 0),
    ]
    reports = [
        member_report(member("a", VILLAGE_A), JUNE, patrols, POLICY),
        member_report(member("b", VILLAGE_A), JUNE, patrols, POLICY),
        member_report(member("c", VILLAGE_B), JUNE, patrols, POLICY),
    ]
    village = unit_report(VILLAGE_A, reports, POLICY)
    assert (village.members, village.members_meeting_hours, village.members_meeting_matters) == (
        2,
        1,
        2,
    )
    assert village.members_meeting_both == 1
    assert village.pooled.daily_average_hours == Fraction(90, 60)
    town = unit_report(TOWN, reports, POLICY)
    assert town.members == 3
    assert town.pooled.daily_average_hours == 2
    assert town.pooled.monthly_average_matters == Fraction(22, 3)


@pytest.mark.parametrize(
    ("first", "last", "months"),
    [
        (date(2026, 1, 1), date(2026, 12, 31), Fraction(12)),
        (date(2026, 2, 1), date(2026, 2, 28), Fraction(1)),
        (date(2026, 1, 17), date(2026, 2, 14), Fraction(15, 31) + Fraction(14, 28)),
    ],
)
def test_months_in_counts_partial_months_by_their_days(first, last, months):
    assert months_in(DayRange(first, last)) == months


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    st.integers(0, 400),
    st.integers(1, 399),
)
def test_months_add_up_over_a_split(first, length, cut):
    whole = DayRange(first, first + timedelta(days=length))
    assume(cut <= length)
    left = DayRange(first, first + timedelta(days=cut - 1))
    right = DayRange(first + timedelta(days=cut), whole.last)
    assert months_in(whole) == months_in(left) + months_in(right)


def test_bad_patrols_and_policies_are_refused():
    with pytest.raises(InvalidInput):
        Patrol("m", at(6, 2), at(6, 1), 0)
    with pytest.raises(InvalidInput):
        Patrol("m", datetime(2026, 6, 1), at(6, 1), 0)
    with pytest.raises(InvalidInput):
        Patrol("m", at(6, 1), at(6, 1), -1)
    with pytest.raises(InvalidInput):
        DayRange(date(2026, 6, 2), date(2026, 6, 1))
    with pytest.raises(InvalidPolicy):
        parse_duty_policy(
            'version = "t"\nmin_daily_average_hours = 0\nmin_monthly_average_matters = 1'
        )
