"""A ranked unit's live metric: how one change moves it, and the score it earns.

A change is either counting (`delta`: a payment, a closed hazard) or an absolute reading
(`set_*`: enrollment's progress figures). Counting changes commute, so they always apply;
a reading replaces the previous one, so a reading older than the last one applied (a late
re-sync or dead-letter replay) is ignored instead of moving progress backwards.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .business_calendar import local_date
from .campaign_policy import CampaignPolicy
from .explanation import ExplanationLine
from .formulas import FormulaKind, score_count, score_rate
from .metrics import MetricKind
from .progress import progress_fraction
from .stages import score_stages, stage_on

ONE = Decimal(1)
ZERO = Decimal(0)
CENTS = Decimal("0.01")
"""Metric values are kept to the cent, as stored, so a rebuild explains them identically."""
PROGRESS_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class MetricChange:
    """An increment (`delta`) or a new reading (`set_*`) of a unit's metric at `at`.

    `exact_unit` changes apply to that unit only (enrollment reports progress for every
    level itself); the others also count for the campaigns ranking the unit's ancestors.
    """

    metric: MetricKind
    unit_code: str
    at: datetime
    scheme: str | None = None
    year: int | None = None
    delta: Decimal = ZERO
    amount_delta: Decimal = ZERO
    persons_delta: Decimal = ZERO
    set_value: Decimal | None = None
    set_amount: Decimal | None = None
    set_persons: Decimal | None = None
    set_task: Decimal | None = None
    exact_unit: bool = False

    @property
    def is_reading(self) -> bool:
        """Whether the change carries an absolute reading (replacing, not adding)."""
        return not (
            self.set_value is None
            and self.set_amount is None
            and self.set_persons is None
            and self.set_task is None
        )

    @property
    def counts(self) -> bool:
        """Whether the change carries an increment."""
        return bool(self.delta or self.amount_delta or self.persons_delta)

    def campaign_year(self) -> int:
        """The campaign year the change counts for (its own, else its Shanghai date's)."""
        return self.year if self.year is not None else local_date(self.at).year


@dataclass(frozen=True)
class UnitMetric:
    """What a unit has achieved in a campaign: metric value, money, persons, progress."""

    task: Decimal
    value: Decimal = ZERO
    amount: Decimal = ZERO
    persons: Decimal = ZERO
    progress: Decimal = ZERO
    stage_progress: Mapping[str, str] = field(default_factory=dict)
    completed_at: datetime | None = None
    last_event_at: datetime | None = None
    reading_as_of: datetime | None = None


def is_stale(change: MetricChange, reading_as_of: datetime | None) -> bool:
    """Whether a reading is older than the last one applied (equal times apply in order)."""
    return change.is_reading and reading_as_of is not None and change.at < reading_as_of


def apply_metric_change(
    unit: UnitMetric, change: MetricChange, policy: CampaignPolicy, year: int
) -> UnitMetric:
    """The unit after `change`: metric, progress, stage readings and completion time."""
    reading, counts = change.is_reading, change.counts
    delta = change.delta if reading or counts else ONE
    if reading and unit.reading_as_of is not None and change.at < unit.reading_as_of:
        if not counts:
            return unit  # an older reading arriving late
        reading = False
    value = cents(_base(change.set_value, unit.value, reading) + delta)
    amount = cents(_base(change.set_amount, unit.amount, reading) + change.amount_delta)
    persons = cents(_base(change.set_persons, unit.persons, reading) + change.persons_delta)
    task = unit.task
    if reading and change.set_task is not None and change.set_task > 0:
        task = cents(change.set_task)
    progress = (
        progress_fraction(max(value, ZERO), task).quantize(PROGRESS_PLACES) if task > 0 else ZERO
    )
    stage_progress = unit.stage_progress
    if policy.stages is not None:
        stage_progress = _stage_readings(unit, progress, policy, year, change)
    completed = _is_complete(task, progress, amount, persons, policy)
    return UnitMetric(
        task=task,
        value=value,
        amount=amount,
        persons=persons,
        progress=progress,
        stage_progress=stage_progress,
        completed_at=(unit.completed_at or change.at) if completed else None,
        last_event_at=change.at,
        reading_as_of=change.at if reading else unit.reading_as_of,
    )


def cents(amount: Decimal) -> Decimal:
    """An amount to the cent."""
    return amount.quantize(CENTS)


def _base(reading: Decimal | None, current: Decimal, applies: bool) -> Decimal:
    return reading if applies and reading is not None else current


def _stage_readings(
    before: UnitMetric, progress: Decimal, policy: CampaignPolicy, year: int, change: MetricChange
) -> Mapping[str, str]:
    assert policy.stages is not None
    stage = stage_on(policy.stages, year, local_date(change.at))
    if stage is None:
        return before.stage_progress
    readings = dict(before.stage_progress)
    for earlier in policy.stages.stages:
        if earlier.code == stage.code:
            break
        readings.setdefault(earlier.code, str(before.progress))
    readings[stage.code] = str(progress)
    return readings


def per_capita(unit: UnitMetric) -> Decimal:
    """Yuan deposited per completed person (0 before anyone completed)."""
    return _per_capita(unit.amount, unit.persons)


def _per_capita(amount: Decimal, persons: Decimal) -> Decimal:
    return amount / persons if persons > 0 else ZERO


def _is_complete(
    task: Decimal, progress: Decimal, amount: Decimal, persons: Decimal, policy: CampaignPolicy
) -> bool:
    """The target met: full progress, and for enrollments the minimum per-capita amount."""
    awards = policy.date_bucket_awards
    required = awards.required_rate if awards else ONE
    complete = task > 0 and progress >= required
    if complete and awards is not None and policy.metric is MetricKind.DEPOSITED_ENROLLMENTS:
        return _per_capita(amount, persons) >= awards.min_per_capita
    return complete


def score_unit(
    unit: UnitMetric, policy: CampaignPolicy
) -> tuple[Decimal, tuple[ExplanationLine, ...]]:
    """The unit's score under the campaign formula, with the lines explaining it."""
    lines: tuple[ExplanationLine, ...]
    source = f"metric:{policy.metric.value}"
    if policy.formula is FormulaKind.STAGE and policy.stages is not None:
        readings = {code: Decimal(v) for code, v in unit.stage_progress.items()}
        result = score_stages(policy.stages, readings)
        score, lines = result.total, result.explanation
    elif policy.formula is FormulaKind.RATE:
        score = score_rate(max(unit.value, ZERO), unit.task) if unit.task > 0 else ZERO
        lines = (ExplanationLine(source, score, "RATE", f"{unit.value} of task {unit.task}"),)
    else:
        score = score_count(int(unit.value), policy.metric)
        better = "more" if policy.metric.higher_is_better else "fewer"
        text = f"{unit.value} counted ({better} is better)"
        lines = (ExplanationLine(source, score, "COUNT", text),)
    return score.quantize(SCORE_PLACES), lines
