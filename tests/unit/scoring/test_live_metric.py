"""A unit's live metric: facts by business day in any order, task readings, late data."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from services.scoring.domain.live_metric import (
    MetricChange,
    UnitMetric,
    apply_metric_change,
    apply_metric_changes,
    is_stale,
    per_capita,
    score_unit,
)
from services.scoring.domain.metrics import MetricKind
from services.scoring.policy import load_campaign_policy

POLICY = load_campaign_policy()
UNIT = "320115101001"
TASK = Decimal(100)


def at(month: int, day: int, hour: int = 4) -> datetime:
    return datetime(2027, month, day, hour, tzinfo=UTC)


def task_reading(task: int, when: datetime) -> MetricChange:
    return MetricChange(
        MetricKind.DEPOSITED_ENROLLMENTS, UNIT, when, set_task=Decimal(task), exact_unit=True
    )


def deposits(
    persons: int, when: datetime, each: str = "600", arrived: datetime | None = None
) -> MetricChange:
    """`persons` persons completed by money deposited at `when` (one fact)."""
    return MetricChange(
        MetricKind.DEPOSITED_ENROLLMENTS,
        UNIT,
        when,
        amount_delta=Decimal(each) * persons,
        persons_delta=Decimal(persons),
        arrived=arrived,
    )


def fold(changes, policy=POLICY) -> UnitMetric:
    return apply_metric_changes(UnitMetric(task=TASK), changes, policy, 2027)


def test_a_newer_task_reading_replaces_the_task_and_an_older_one_changes_nothing():
    unit = apply_metric_change(UnitMetric(task=TASK), task_reading(200, at(3, 2)), POLICY, 2027)
    assert (unit.task, unit.reading_as_of) == (200, at(3, 2))
    late = apply_metric_change(unit, task_reading(50, at(3, 1)), POLICY, 2027)
    assert late == unit
    assert is_stale(task_reading(50, at(3, 1)), unit.reading_as_of)
    assert not is_stale(task_reading(50, at(3, 2)), unit.reading_as_of)


def test_counting_changes_apply_whatever_their_time():
    change = MetricChange(MetricKind.HAZARDS_CLOSED_ON_TIME, UNIT, at(4, 1), delta=Decimal(1))
    unit = UnitMetric(task=Decimal(10), reading_as_of=at(5, 1))
    safety = POLICY.model_copy(update={"metric": MetricKind.HAZARDS_CLOSED_ON_TIME})
    assert apply_metric_change(unit, change, safety, 2027).value == 1
    assert not is_stale(change, at(5, 1))


def test_deposits_of_28_march_delivered_on_2_april_count_in_stage_one():
    # Hand-computed (DOMAIN §4.2 defaults): 60 persons by 20 March, 18 more deposited on
    # 28 March but delivered on 2 April after 10 deposited on 1 April.
    # Stage 1 reads 78/100 = 78% → 80 − (0.75 − 0.78) × 100 = 83; stage 2 reads 88% →
    # 20 − (0.90 − 0.88) × 100 = 18; total 101. By arrival time it would have been
    # stage 1 60% → 65 and 101 − 83 + 65 = 83.
    first, april = deposits(60, at(3, 20)), deposits(10, at(4, 1))
    late = deposits(18, at(3, 28), arrived=at(4, 2))
    unit = fold([first, april, late])
    assert unit.stage_progress == {"stage1": "0.780000", "stage2": "0.880000"}
    score, lines = score_unit(unit, POLICY)
    assert score == Decimal("101.0000")
    # The policy accepts stage 1's facts until 10 April, and says this one came late.
    assert [line.rule_code for line in lines][-1] == "LATE-COUNTED"
    assert unit.late_facts == {"stage1": (1, 0, "0.00", "0.00")}


def test_the_same_facts_in_any_order_give_the_same_unit():
    facts = [
        deposits(60, at(3, 20)),
        deposits(18, at(3, 28, 9)),
        deposits(10, at(4, 1)),
        deposits(12, at(6, 3)),
        deposits(-1, at(6, 4)),  # a reversal
        task_reading(100, at(6, 5)),
    ]
    unit = fold(facts)
    assert all(fold(order) == unit for order in itertools.permutations(facts))
    assert unit.completed_at is None and unit.value == 99
    done = fold([*facts, deposits(1, at(7, 2))])
    assert done.completed_at == at(7, 2)


def test_completion_is_the_first_day_of_the_last_run_of_completeness():
    facts = [deposits(100, at(5, 1)), deposits(-1, at(5, 3)), deposits(1, at(6, 9))]
    assert fold(facts).completed_at == at(6, 9)
    assert fold(facts[:1]).completed_at == at(5, 1)


def test_a_fact_arriving_after_its_stage_cut_off_is_refused_and_reported():
    counted = deposits(18, at(3, 28), arrived=at(4, 10))
    refused = deposits(5, at(3, 29), arrived=at(4, 11))
    unit = fold([deposits(60, at(3, 20)), counted, refused])
    assert unit.value == 78 and unit.stage_progress == {"stage1": "0.780000"}
    assert unit.late_facts == {"stage1": (1, 1, "3000.00", "5.00")}
    codes = [line.rule_code for line in score_unit(unit, POLICY)[1]]
    assert codes[-2:] == ["LATE-COUNTED", "LATE-REFUSED"]


def test_without_a_stated_cut_off_a_stage_takes_no_fact_after_its_last_day():
    assert POLICY.stages is not None
    stage1 = POLICY.stages.stages[0].model_copy(update={"cutoff": None})
    policy = POLICY.model_copy(
        update={"stages": POLICY.stages.model_copy(update={"stages": (stage1,)})}
    )
    unit = fold([deposits(60, at(3, 20)), deposits(18, at(3, 28), arrived=at(4, 1))], policy)
    assert unit.value == 60 and unit.late_facts == {"stage1": (0, 1, "10800.00", "18.00")}


def test_per_capita_divides_money_by_persons_not_by_the_metric():
    unit = UnitMetric(
        task=Decimal(90000), value=Decimal(90000), amount=Decimal(90000), persons=Decimal(150)
    )
    assert per_capita(unit) == 600


def test_a_fresh_unit_has_no_stage_reading_and_scores_zero():
    score, lines = score_unit(UnitMetric(task=Decimal(100)), POLICY)
    assert score == 0 and lines == ()
