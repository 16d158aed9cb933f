"""A unit's live metric: readings replace (unless older), counts add, amount tasks."""

from datetime import UTC, datetime
from decimal import Decimal

from services.scoring.domain.live_metric import (
    MetricChange,
    UnitMetric,
    apply_metric_change,
    is_stale,
    per_capita,
    score_unit,
)
from services.scoring.domain.metrics import MetricKind
from services.scoring.policy import load_campaign_policy

POLICY = load_campaign_policy()
UNIT = "320115101001"


def at(month: int, day: int) -> datetime:
    return datetime(2027, month, day, 4, tzinfo=UTC)


def reading(done: int, task: int, when: datetime, amount: int | None = None) -> MetricChange:
    money = Decimal(amount if amount is not None else done * 600)
    return MetricChange(
        MetricKind.DEPOSITED_ENROLLMENTS,
        UNIT,
        when,
        set_value=Decimal(done),
        set_amount=money,
        set_persons=Decimal(done),
        set_task=Decimal(task),
        exact_unit=True,
    )


def test_a_newer_reading_replaces_the_last_one():
    unit = apply_metric_change(
        UnitMetric(task=Decimal(100)), reading(80, 100, at(3, 1)), POLICY, 2027
    )
    unit = apply_metric_change(unit, reading(70, 100, at(3, 2)), POLICY, 2027)
    assert (unit.value, unit.progress, unit.reading_as_of) == (70, Decimal("0.7"), at(3, 2))


def test_an_older_reading_arriving_late_changes_nothing():
    done = apply_metric_change(
        UnitMetric(task=Decimal(100)), reading(100, 100, at(6, 10)), POLICY, 2027
    )
    assert done.completed_at == at(6, 10)
    late = apply_metric_change(done, reading(60, 100, at(3, 5)), POLICY, 2027)
    assert late == done
    assert is_stale(reading(60, 100, at(3, 5)), done.reading_as_of)
    assert not is_stale(reading(60, 100, at(6, 10)), done.reading_as_of)


def test_counting_changes_apply_whatever_their_time():
    change = MetricChange(MetricKind.HAZARDS_CLOSED_ON_TIME, UNIT, at(4, 1))
    unit = UnitMetric(task=Decimal(10), reading_as_of=at(5, 1))
    assert apply_metric_change(unit, change, POLICY, 2027).value == 1
    assert not is_stale(change, at(5, 1))


def test_per_capita_divides_money_by_persons_not_by_the_metric():
    unit = UnitMetric(
        task=Decimal(90000), value=Decimal(90000), amount=Decimal(90000), persons=Decimal(150)
    )
    assert per_capita(unit) == 600


def test_a_fresh_unit_has_no_stage_reading_and_scores_zero():
    score, lines = score_unit(UnitMetric(task=Decimal(100)), POLICY)
    assert score == 0 and lines == ()
