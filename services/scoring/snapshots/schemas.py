"""Request and response models of the snapshot API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.scoring.credit.schemas import ExplanationLineRead
from services.scoring.domain.cadence import SnapshotCadence


class SnapshotCreate(BaseModel):
    """Take the snapshot of the period holding `on` (default: today, Asia/Shanghai)."""

    cadence: SnapshotCadence
    on: date | None = Field(None, description="A day of the period to close.")


class SnapshotEntryRead(BaseModel):
    """A unit's frozen place."""

    model_config = ConfigDict(from_attributes=True)

    unit_code: str
    name: str
    pool: str
    score: Decimal
    progress: Decimal
    rank: int
    rank_from_bottom: int
    pool_size: int
    movement: int | None
    explanation: list[ExplanationLineRead] = []
    """Why the unit scored what it did then (a late fact counted says so here)."""


class SnapshotRead(BaseModel):
    """A snapshot; `entries` only on the single-snapshot read."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign: str
    cadence: SnapshotCadence
    period: str
    period_start: date
    period_end: date
    expected_progress: Decimal | None
    taken_by: str
    taken_at: datetime
    created: bool = False
    entries: list[SnapshotEntryRead] = Field(default_factory=list)
