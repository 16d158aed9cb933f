"""Response models of the live ranking API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from services.scoring.credit.schemas import ExplanationLineRead


class RankingRow(BaseModel):
    """A unit's live place: score, rank (ties share), movement since the last snapshot."""

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
    units: list[RankingRow]
