"""Request and response models of the penalty-ladder API."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

MAX_INCIDENTS = 1000
"""The most incidents one unit may report in one window (a calendar month): more than 30 a
day for a month in one village is a typing or counting error, not a ladder to run (the
straw-burning ladder's top step is at 3; each burning costs the caretakers 50 yuan)."""


class LadderEvaluate(BaseModel):
    """Incidents of one unit in one window (a calendar month for straw burning)."""

    incidents: int = Field(
        ge=0,
        le=MAX_INCIDENTS,
        description=f"Incidents in the window, 0–{MAX_INCIDENTS}: more is refused with 422.",
    )


class PenaltyActionRead(BaseModel):
    """A consequence due: whose pay (a role, resolved to persons) loses how much."""

    step_code: str
    kind: str
    target_role: str
    amount: Decimal
    incidents: int
    by_role: str | None
    text: str


class LadderResultRead(BaseModel):
    """The ladder, how it was read, and the actions due."""

    ladder: str
    version: str
    above_includes_threshold: bool
    steps_stack: bool
    incidents: int
    actions: list[PenaltyActionRead]
