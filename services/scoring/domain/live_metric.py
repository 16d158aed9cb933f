"""A ranked unit's live metric: the facts it holds, keyed by business time, and its score.

A unit's figures are a function of the *set* of facts it was given, never of their order:
- a counting fact (a deposit, a reversal, a closed hazard) adds to the bucket of the
  Asia/Shanghai day of its business time (`at`: the deposit, the closure, the inspection);
  sums commute, so any arrival order, batching or replay gives the same buckets;
- value, stage readings and the completion time are derived from those buckets: a stage's
  reading is the cumulative progress through the stage's last day, the completion time the
  first day of the run of days (up to now) at whose end the target was met;
- a task reading (enrollment's `progress.changed`) replaces the task; of two readings the
  one valid later (`as_of`) wins, whichever arrives first.

Late data (DOMAIN §4.2): a fact dated in a stage that *arrives* (its envelope's time) after
the stage ended is counted until the stage's cut-off and said so in the explanation; after
the cut-off it is refused for scoring, recorded per stage and reported, so settled stage
scores and awards never change silently.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from .business_calendar import local_date
from .campaign_policy import CampaignPolicy
from .explanation import ExplanationLine
from .formulas import FormulaKind, score_count, score_rate
from .metrics import MetricKind
from .progress import progress_fraction
from .stages import Stage, score_stages, stage_on

ONE = Decimal(1)
ZERO = Decimal(0)
CENTS = Decimal("0.01")
"""Metric values are kept to the cent, as stored, so a rebuild explains them identically."""
PROGRESS_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.0001")

DayFacts = tuple[str, str, str, str]
"""One day's facts of a unit: count, yuan and persons added (decimal strings), and the
latest business time among them (ISO 8601), as stored."""
LateFacts = tuple[int, int, str, str]
"""A stage's late facts: how many were counted, how many refused, and the yuan and
persons refused (decimal strings), as stored."""


@dataclass(frozen=True)
class MetricChange:
    """A counting fact (`delta`, `amount_delta`, `persons_delta` at business time `at`) or a
    task reading (`set_task`, valid at `at`) of a unit's metric.

    `exact_unit` changes apply to that unit only (enrollment reports progress for every
    level itself); the others also count for the campaigns ranking the unit's ancestors.
    `also` names further metrics the same fact feeds (a deposit feeds persons and money).
    `arrived` is when the fact reached the system (its envelope's time), for late data.
    """

    metric: MetricKind
    unit_code: str
    at: datetime
    scheme: str | None = None
    year: int | None = None
    delta: Decimal = ZERO
    amount_delta: Decimal = ZERO
    persons_delta: Decimal = ZERO
    set_task: Decimal | None = None
    set_counts_amount: bool | None = None
    exact_unit: bool = False
    also: tuple[MetricKind, ...] = ()
    arrived: datetime | None = None

    @property
    def is_reading(self) -> bool:
        """Whether the change carries a task reading (replacing, not adding)."""
        return self.set_task is not None or self.set_counts_amount is not None

    @property
    def metrics(self) -> tuple[MetricKind, ...]:
        """Every metric the change feeds."""
        return (self.metric, *self.also)

    def campaign_year(self) -> int:
        """The campaign year the change counts for (its own, else its Shanghai date's)."""
        return self.year if self.year is not None else local_date(self.at).year


@dataclass(frozen=True)
class UnitMetric:
    """What a unit has achieved in a campaign: its facts and what they add up to."""

    task: Decimal
    value: Decimal = ZERO
    amount: Decimal = ZERO
    persons: Decimal = ZERO
    progress: Decimal = ZERO
    stage_progress: Mapping[str, str] = field(default_factory=dict)
    completed_at: datetime | None = None
    last_event_at: datetime | None = None
    reading_as_of: datetime | None = None
    day_facts: Mapping[str, DayFacts] = field(default_factory=dict)
    late_facts: Mapping[str, LateFacts] = field(default_factory=dict)
    counts_amount: bool = False


def is_stale(change: MetricChange, reading_as_of: datetime | None) -> bool:
    """Whether a task reading is older than the last one applied (equal times apply)."""
    return change.is_reading and reading_as_of is not None and change.at < reading_as_of


def apply_metric_change(
    unit: UnitMetric, change: MetricChange, policy: CampaignPolicy, year: int
) -> UnitMetric:
    """The unit after `change`."""
    return apply_metric_changes(unit, (change,), policy, year)


def apply_metric_changes(
    unit: UnitMetric, changes: Iterable[MetricChange], policy: CampaignPolicy, year: int
) -> UnitMetric:
    """The unit after `changes` (their order does not matter): facts added to their days
    (or refused as too late), the latest task reading kept, the figures derived again."""
    days = dict(unit.day_facts)
    late = dict(unit.late_facts)
    task, counts_amount, as_of = unit.task, unit.counts_amount, unit.reading_as_of
    for change in changes:
        if change.is_reading:
            if as_of is not None and change.at < as_of:
                continue  # an older reading arriving late
            as_of = change.at
            if change.set_task is not None and change.set_task > 0:
                task = cents(change.set_task)
            if change.set_counts_amount is not None:
                counts_amount = change.set_counts_amount
            continue
        if _is_refused(change, policy, year, late):
            continue
        day = local_date(change.at).isoformat()
        days[day] = _add(days.get(day), change)
    return derive(days, late, task, counts_amount, as_of, policy, year)


def _is_refused(
    change: MetricChange, policy: CampaignPolicy, year: int, late: dict[str, LateFacts]
) -> bool:
    """Whether a fact arrived after its stage's cut-off (recorded in `late` when late)."""
    if policy.stages is None or change.arrived is None:
        return False
    stage = stage_on(policy.stages, year, local_date(change.at))
    if stage is None:
        return False
    arrived = local_date(change.arrived)
    if arrived <= stage.dates_in(year)[1]:
        return False
    counted, refused, amount, persons = late.get(stage.code, (0, 0, "0.00", "0.00"))
    if arrived <= cutoff_of(stage, year):
        late[stage.code] = (counted + 1, refused, amount, persons)
        return False
    late[stage.code] = (
        counted,
        refused + 1,
        str(cents(Decimal(amount) + change.amount_delta)),
        str(cents(Decimal(persons) + change.persons_delta)),
    )
    return True


def cutoff_of(stage: Stage, year: int) -> date:
    """The last day a fact of `stage` may arrive and still be scored (default: its end)."""
    ends = stage.dates_in(year)[1]
    if stage.cutoff is None:
        return ends
    cutoff = stage.cutoff.in_year(ends.year)
    return cutoff if cutoff >= ends else stage.cutoff.in_year(ends.year + 1)


def _add(before: DayFacts | None, change: MetricChange) -> DayFacts:
    count, amount, persons, last = before or ("0", "0.00", "0.00", "")
    moment = change.at.astimezone(UTC).isoformat()
    return (
        str(cents(Decimal(count) + change.delta)),
        str(cents(Decimal(amount) + change.amount_delta)),
        str(cents(Decimal(persons) + change.persons_delta)),
        max(last, moment),
    )


def derive(
    days: Mapping[str, DayFacts],
    late: Mapping[str, LateFacts],
    task: Decimal,
    counts_amount: bool,
    reading_as_of: datetime | None,
    policy: CampaignPolicy,
    year: int,
) -> UnitMetric:
    """A unit's figures from its facts: a pure function of the set of them."""
    value = amount = persons = ZERO
    completed: str | None = None
    cumulative: list[tuple[str, Decimal]] = []
    column = _value_column(policy.metric, counts_amount)
    awards = policy.date_bucket_awards
    # No day can be complete below this value: the exact check runs only above it.
    reachable = (awards.required_rate if awards else ONE) - PROGRESS_PLACES
    threshold = reachable * task if task > 0 else None
    for day in sorted(days):
        facts = days[day]
        amount += Decimal(facts[1])
        persons += Decimal(facts[2])
        value += Decimal(facts[column])
        cumulative.append((day, value))
        done = (
            threshold is not None
            and value >= threshold
            and _is_complete(task, _progress(value, task), amount, persons, policy)
        )
        completed = (completed or facts[3]) if done else None
    stage_progress: dict[str, str] = {}
    if policy.stages is not None and days:
        latest = max(days)
        for stage in policy.stages.stages:
            starts, ends = stage.dates_in(year)
            if latest < starts.isoformat():
                break
            through = ends.isoformat()
            reached = [v for day, v in cumulative if day <= through]
            stage_progress[stage.code] = str(_progress(reached[-1] if reached else ZERO, task))
    last_event = max((facts[3] for facts in days.values()), default=None)
    return UnitMetric(
        task=task,
        value=cents(value),
        amount=cents(amount),
        persons=cents(persons),
        progress=_progress(value, task),
        stage_progress=stage_progress,
        completed_at=datetime.fromisoformat(completed) if completed else None,
        last_event_at=datetime.fromisoformat(last_event) if last_event else None,
        reading_as_of=reading_as_of,
        day_facts=dict(sorted(days.items())),
        late_facts=dict(sorted(late.items())),
        counts_amount=counts_amount,
    )


def _value_column(metric: MetricKind, counts_amount: bool) -> int:
    """Which of a day's figures the metric adds up: yuan for money (and money tasks),
    persons for enrollments, the count for everything else."""
    if metric is MetricKind.MONEY_COLLECTED:
        return 1
    if metric is MetricKind.DEPOSITED_ENROLLMENTS:
        return 1 if counts_amount else 2
    return 0


def _progress(value: Decimal, task: Decimal) -> Decimal:
    if task <= 0:
        return ZERO
    return progress_fraction(max(cents(value), ZERO), task).quantize(PROGRESS_PLACES)


def cents(amount: Decimal) -> Decimal:
    """An amount to the cent."""
    return amount.quantize(CENTS)


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
    return score.quantize(SCORE_PLACES), lines + _late_lines(unit, policy)


def _late_lines(unit: UnitMetric, policy: CampaignPolicy) -> tuple[ExplanationLine, ...]:
    """What late facts did to the unit's stages: counted before the cut-off, or refused."""
    lines = []
    for code, (counted, refused, amount, persons) in unit.late_facts.items():
        source = f"stage:{code}"
        if counted:
            text = (
                f"{counted} fact(s) dated in stage {code} arrived after the stage ended, "
                "before its cut-off: counted in the stage"
            )
            lines.append(ExplanationLine(source, ZERO, "LATE-COUNTED", text))
        if refused:
            text = (
                f"{refused} fact(s) dated in stage {code} arrived after its cut-off: not "
                f"scored ({amount} yuan, {persons} persons)"
            )
            lines.append(ExplanationLine(source, ZERO, "LATE-REFUSED", text))
    return tuple(lines)
