"""Response models of the live ranking API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from services.scoring.credit.schemas import ExplanationLineRead
from services.scoring.domain.cadence import SnapshotCadence


class RankingRow(BaseModel):
    """A unit's live place: score, rank (ties share), movement since the last snapshot.

    `movement` is the rank in that snapshot minus the rank now (positive: moved up); None
    when there is no snapshot yet or the unit was not in it.
    """

    unit_code: str
    name: str
    score: Decimal
    rank: int
    movement: int | None
    value: Decimal
    task: Decimal
    progress: Decimal
    completed_at: datetime | None
    explanation: list[ExplanationLineRead]


class RankingRead(BaseModel):
    """One page of a pool's live ranking, best first."""

    campaign: str
    pool: str
    pool_size: int
    offset: int
    movement_cadence: SnapshotCadence
    movement_since: str | None
    """The period of the snapshot movement is measured from (None: none yet, or no rows)."""
    units: list[RankingRow]
