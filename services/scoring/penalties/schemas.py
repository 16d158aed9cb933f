"""Request and response models of the penalty-ladder API."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field


class LadderEvaluate(BaseModel):
    """Incidents of one unit in one window (a calendar month for straw burning)."""

    incidents: int = Field(ge=0)


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
