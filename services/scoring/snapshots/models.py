"""Ranking snapshots: one per campaign, cadence and period, with their frozen entries."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class RankingSnapshot(Base):
    """A ranking frozen at the end of a period; unique per campaign, cadence and period."""

    __tablename__ = "ranking_snapshot"
    __table_args__ = (
        UniqueConstraint("campaign", "cadence", "period", name="uq_ranking_snapshot_period"),
        Index("ix_ranking_snapshot_series", "campaign", "cadence", "period_end"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign: Mapped[str] = mapped_column(String(64), ForeignKey("campaign.code"))
    cadence: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    expected_progress: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    taken_by: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SnapshotEntry(Base):
    """One unit's frozen score and place in a snapshot."""

    __tablename__ = "snapshot_entry"

    snapshot_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("ranking_snapshot.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    pool: Mapped[str] = mapped_column(String(64))
    score: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    progress: Mapped[Decimal] = mapped_column(Numeric(12, 6))
    rank: Mapped[int] = mapped_column(Integer)
    rank_from_bottom: Mapped[int] = mapped_column(Integer)
    pool_size: Mapped[int] = mapped_column(Integer)
    movement: Mapped[int | None] = mapped_column(Integer)
    explanation: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, default=list, server_default="[]"
    )
    """The unit's explanation as it stood: what moved its score, late facts included."""
