from datetime import date
from decimal import Decimal

import pytest

from services.scoring.domain.errors import InvalidProgress
from services.scoring.domain.formulas import score_count, score_rate
from services.scoring.domain.metrics import MetricKind
from services.scoring.domain.progress import (
    elapsed_fraction,
    is_behind_schedule,
    progress_fraction,
    time_proportional_progress,
)

JAN1, DEC31 = date(2024, 1, 1), date(2024, 12, 31)


def test_progress_is_a_fraction_of_the_task():
    assert progress_fraction(785, 1000) == Decimal("0.785")


def test_progress_needs_a_positive_task_and_no_negative_completion():
    with pytest.raises(InvalidProgress):
        progress_fraction(1, 0)
    with pytest.raises(InvalidProgress):
        progress_fraction(-1, 10)


def test_time_proportional_progress_counts_both_ends_of_the_phase():
    # 2024 has 366 days; by the end of 30 Jun, 182 have elapsed.
    assert time_proportional_progress(366, JAN1, DEC31, date(2024, 6, 30)) == 182
    assert time_proportional_progress(1000, JAN1, DEC31, DEC31) == 1000
    assert time_proportional_progress(366, JAN1, DEC31, JAN1) == 1


def test_time_proportional_progress_is_zero_before_and_full_after_the_phase():
    assert elapsed_fraction(JAN1, DEC31, date(2023, 12, 31)) == 0
    assert elapsed_fraction(JAN1, DEC31, date(2025, 1, 5)) == 1


def test_a_phase_must_not_end_before_it_starts():
    with pytest.raises(InvalidProgress):
        elapsed_fraction(DEC31, JAN1, JAN1)


def test_being_exactly_on_schedule_is_not_behind():
    assert not is_behind_schedule(Decimal("0.5"), Decimal("0.5"))
    assert is_behind_schedule(Decimal("0.49"), Decimal("0.5"))


def test_rate_formula_counts_deposited_enrollments_against_the_base():  # 000 T50, T51
    assert score_rate(9800, 10000) == Decimal("98.0")
    assert score_rate(9790, 10000) == Decimal("97.9")


def test_count_formula_ranks_fewer_fire_points_higher():
    assert score_count(3, MetricKind.INSPECTIONS_ON_TIME) == 3
    assert score_count(3, MetricKind.FIRE_POINTS) == -3
    assert str(score_count(0, MetricKind.FIRE_POINTS)) == "0"
