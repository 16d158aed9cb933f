"""Penalty ladders: consequences by the number of incidents in a month (002:L825–L827)."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from .business_calendar import local_date
from .errors import InvalidCount
from .policy_base import PolicyModel, parse_toml, validate_policy

# Roles that name a unit rather than a person: they can be criticised but never pay.
UNIT_ROLES = frozenset({"village", "community", "branch_farm", "town", "village_committee"})


class ThresholdKind(StrEnum):
    """ "at_least": n or more incidents; "above" (以上): read per the ladder's setting."""

    AT_LEAST = "at_least"
    ABOVE = "above"


class PenaltyKind(StrEnum):
    """What a ladder step does."""

    CIRCULAR_CRITICISM = "circular_criticism"
    PAY_DEDUCTION = "pay_deduction"
    REMINDER_TALK = "reminder_talk"


class LadderAction(PolicyModel):
    """One consequence: its target, the amount (per incident or once) and who carries it out."""

    kind: PenaltyKind
    target_role: str = Field(min_length=1)
    amount: Decimal = Field(default=Decimal(0), ge=0)
    per_incident: bool = False
    by_role: str | None = None

    @model_validator(mode="after")
    def _a_person_pays(self) -> "LadderAction":
        if self.kind is PenaltyKind.PAY_DEDUCTION:
            if self.amount <= 0:
                raise ValueError("a pay deduction needs a positive amount")
            if self.target_role in UNIT_ROLES:
                raise ValueError(f"{self.target_role!r} is a unit: only a person's pay is deducted")
        elif self.amount:
            raise ValueError(f"{self.kind} carries no amount")
        return self


class LadderStep(PolicyModel):
    """A step that applies from `threshold` incidents in the window."""

    code: str = Field(min_length=1)
    threshold: int = Field(gt=0)
    threshold_kind: ThresholdKind = ThresholdKind.AT_LEAST
    actions: tuple[LadderAction, ...] = Field(min_length=1)
    text: str


class PenaltyLadder(PolicyModel):
    """A ladder: steps from mildest to most severe, and how to read 以上 and stacking."""

    version: str = Field(min_length=1)
    code: str = Field(min_length=1)
    above_includes_threshold: bool = True
    steps_stack: bool = True
    steps: tuple[LadderStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _steps_climb(self) -> "PenaltyLadder":
        thresholds = [step.threshold for step in self.steps]
        if thresholds != sorted(thresholds):
            raise ValueError("steps must be listed from the lowest threshold up")
        return self


@dataclass(frozen=True)
class PenaltyAction:
    """A consequence due: whose pay (a role, resolved to persons elsewhere) loses how much."""

    step_code: str
    kind: PenaltyKind
    target_role: str
    amount: Decimal
    incidents: int
    by_role: str | None
    text: str


def step_applies(step: LadderStep, incidents: int, ladder: PenaltyLadder) -> bool:
    """Whether `incidents` in the window reach `step`; 以上 includes the threshold by default."""
    if step.threshold_kind is ThresholdKind.ABOVE and not ladder.above_includes_threshold:
        return incidents > step.threshold
    return incidents >= step.threshold


def apply_penalty_ladder(incidents: int, ladder: PenaltyLadder) -> tuple[PenaltyAction, ...]:
    """The actions due for `incidents` in one window: every step reached, or only the highest."""
    if incidents < 0:
        raise InvalidCount(f"incident count {incidents} is negative")
    reached = [step for step in ladder.steps if step_applies(step, incidents, ladder)]
    if not ladder.steps_stack:
        reached = reached[-1:]
    return tuple(
        PenaltyAction(
            step.code,
            action.kind,
            action.target_role,
            action.amount * incidents if action.per_incident else action.amount,
            incidents,
            action.by_role,
            step.text,
        )
        for step in reached
        for action in step.actions
    )


def count_by_month(moments: Iterable[datetime]) -> dict[tuple[int, int], int]:
    """Incidents per Asia/Shanghai calendar month, keyed (year, month)."""
    months = Counter((day.year, day.month) for day in map(local_date, moments))
    return dict(sorted(months.items()))


def parse_penalty_ladder(text: str) -> PenaltyLadder:
    """Parse and validate a penalty ladder from TOML text."""
    return validate_policy(PenaltyLadder, parse_toml(text))
