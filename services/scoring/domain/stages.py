"""The stage formula (000:L107–L119): stage score = weight − (required − actual) × 100."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from pydantic import Field, model_validator

from .business_calendar import MonthDay, MonthDayField
from .errors import InvalidProgress, UnknownStage
from .explanation import ExplanationLine, total_effect
from .policy_base import PolicyModel

HUNDRED = Decimal(100)


class BonusMode(StrEnum):
    """How 000:L119's bonus ("每增加0.1个百分点加0.1分…可累计加分") is read.

    APPLIED_ONCE: L117's linear term already adds 1 point per percentage point above the
    requirement, so L119 only restates it (80% in stage 1 scores 85). CUMULATIVE: L119 is a
    second term stacked on L117, so each point above the requirement earns 2 (80% scores 90);
    shortfalls are unaffected. In both modes the stages' scores add up ("两项可累计").
    """

    APPLIED_ONCE = "applied_once"
    CUMULATIVE = "cumulative"


class Stage(PolicyModel):
    """A stage: its dates, weight in points and required cumulative progress (a fraction)."""

    code: str = Field(min_length=1)
    starts: MonthDayField
    ends: MonthDayField
    weight: Decimal
    required: Decimal = Field(gt=0, le=1)
    floor: Decimal | None = None
    ceiling: Decimal | None = None
    cutoff: MonthDayField | None = None
    """The last day a fact dated in the stage may arrive and still be scored (late-data
    policy, DOMAIN §4.2); None: the stage's last day."""

    def dates_in(self, year: int) -> tuple[date, date]:
        """First and last day of the stage in campaign `year`; a stage may run into the next."""
        return _dates(self.starts, self.ends, year)


class StageFormula(PolicyModel):
    """The stages of a campaign, how the bonus is read, and optional bounds on the total."""

    stages: tuple[Stage, ...] = Field(min_length=1)
    bonus_mode: BonusMode = BonusMode.APPLIED_ONCE
    total_floor: Decimal | None = None
    total_ceiling: Decimal | None = None

    @model_validator(mode="after")
    def _stage_codes_are_unique(self) -> "StageFormula":
        codes = [stage.code for stage in self.stages]
        if len(set(codes)) != len(codes):
            raise ValueError(f"stage codes repeat: {codes}")
        return self


@dataclass(frozen=True)
class StageScores:
    """Each scored stage's points, their total and the lines that explain it."""

    by_stage: Mapping[str, Decimal]
    total: Decimal
    explanation: tuple[ExplanationLine, ...]


def explain_stage(stage: Stage, actual: Decimal, mode: BonusMode) -> list[ExplanationLine]:
    """The lines of one stage's score; their effects add up to the stage score."""
    if actual < 0:
        raise InvalidProgress(f"stage {stage.code} progress {actual} is negative")
    source = f"stage:{stage.code}"
    linear = (actual - stage.required) * HUNDRED
    lines = [
        ExplanationLine(source, stage.weight, "ST-WEIGHT", f"stage {stage.code} weight"),
        ExplanationLine(
            source,
            linear,
            "ST-LINEAR",
            f"progress {_percent(actual)} against required {_percent(stage.required)}",
        ),
    ]
    if mode is BonusMode.CUMULATIVE and linear > 0:
        lines.append(ExplanationLine(source, linear, "ST-BONUS", "L119 bonus added cumulatively"))
    return lines + _bound_line(source, total_effect(lines), stage.floor, stage.ceiling)


def score_stage(stage: Stage, actual: Decimal, mode: BonusMode = BonusMode.APPLIED_ONCE) -> Decimal:
    """Score one stage for cumulative progress `actual` (a fraction of the total task)."""
    return total_effect(explain_stage(stage, actual, mode))


def score_stages(formula: StageFormula, progress: Mapping[str, Decimal]) -> StageScores:
    """Score the stages `progress` names (a live ranking may not have reached every stage)."""
    unknown = set(progress) - {stage.code for stage in formula.stages}
    if unknown:
        raise UnknownStage(f"no stage named {sorted(unknown)}")
    lines: list[ExplanationLine] = []
    by_stage: dict[str, Decimal] = {}
    for stage in formula.stages:
        if stage.code in progress:
            stage_lines = explain_stage(stage, progress[stage.code], formula.bonus_mode)
            by_stage[stage.code] = total_effect(stage_lines)
            lines += stage_lines
    subtotal = total_effect(lines)
    lines += _bound_line("total", subtotal, formula.total_floor, formula.total_ceiling)
    return StageScores(by_stage, total_effect(lines), tuple(lines))


@lru_cache(maxsize=1024)
def _dates(starts: MonthDay, ends: MonthDay, year: int) -> tuple[date, date]:
    ends_year = year + 1 if ends < starts else year
    return starts.in_year(year), ends.in_year(ends_year)


def stage_on(formula: StageFormula, year: int, day: date) -> Stage | None:
    """The stage of campaign `year` that `day` falls in, if any."""
    for stage in formula.stages:
        starts, ends = stage.dates_in(year)
        if starts <= day <= ends:
            return stage
    return None


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01')).normalize():f}%"


def _bound_line(
    source: str, value: Decimal, floor: Decimal | None, ceiling: Decimal | None
) -> list[ExplanationLine]:
    if floor is not None and value < floor:
        return [ExplanationLine(source, floor - value, "ST-FLOOR", f"raised to the floor {floor}")]
    if ceiling is not None and value > ceiling:
        text = f"cut to the ceiling {ceiling}"
        return [ExplanationLine(source, ceiling - value, "ST-CEILING", text)]
    return []
