"""Request and response models of tasks, progress, circulars, public lists and statistics."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from services.enrollment.money import YuanOrZero

TaskAmount = YuanOrZero
"""Persons or yuan, as the scheme-year's tasks count."""


class TaskPut(BaseModel):
    """A unit's task for a scheme-year: persons, or yuan (per the scheme-year's task kind)."""

    model_config = ConfigDict(extra="forbid")

    task: TaskAmount


class TaskRead(BaseModel):
    """A task as set."""

    model_config = ConfigDict(from_attributes=True)

    scheme_code: str
    year: int
    unit_code: str
    kind: str
    task: Decimal
    set_by: str
    set_at: datetime | None = None


class ProgressRow(BaseModel):
    """One unit's progress (its subtree included); `percent` follows the rounding rule."""

    unit_code: str
    unit_name: str | None
    task_kind: str
    task: Decimal
    done: Decimal
    percent: Decimal | None
    meets_target: bool | None
    completed_persons: int
    enrolled_persons: int
    deposited_amount: Decimal


class ProgressReport(BaseModel):
    """Progress of a unit and the units under it."""

    scheme_code: str
    year: int
    rounding: str
    rows: list[ProgressRow]


class CircularRow(ProgressRow):
    """A unit's line in a circular (通报): rank, what it did this period, explain or not."""

    rank: int
    completed_in_period: int
    must_explain: bool


class Circular(BaseModel):
    """A weekly or monthly circular ranking the units directly under one unit."""

    scheme_code: str
    year: int
    unit_code: str
    period: str
    period_start: datetime
    period_end: datetime
    target_rate: Decimal | None
    rounding: str
    rows: list[CircularRow]


class PublicListRow(BaseModel):
    """A line of the village public payment list (公示): names and IDs masked."""

    household: str | None
    name: str
    resident_id: str
    tier: str | None
    subsidy_category: str | None
    due: Decimal
    paid: Decimal
    state: str


class ShareRow(BaseModel):
    """A count and its percentage share of the whole."""

    group: str
    value: str
    count: int
    percent: Decimal


class Statistics(BaseModel):
    """Counts by state and by subsidy category, with shares under the stated rounding rule."""

    scheme_code: str
    year: int
    unit_code: str
    total: int
    rounding: str
    rows: list[ShareRow]
