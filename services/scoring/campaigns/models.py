"""Campaign tables: the definition, and one live metric row per ranked unit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class Campaign(Base):
    """An assessment campaign: scope, metric, policy (formula, pools, cadences, triggers)."""

    __tablename__ = "campaign"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scope_unit: Mapped[str] = mapped_column(String(12))
    year: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[str | None] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(32), index=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    policy: Mapped[dict[str, Any]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CampaignUnit(Base):
    """A ranked unit's live metric, score, rank and explanation in one campaign."""

    __tablename__ = "campaign_unit"
    __table_args__ = (
        Index("ix_campaign_unit_pool_rank", "campaign", "pool", "rank", "unit_code"),
        Index("ix_campaign_unit_unit", "unit_code"),
    )

    campaign: Mapped[str] = mapped_column(
        String(64), ForeignKey("campaign.code", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    pool: Mapped[str] = mapped_column(String(64))
    defined_task: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    task: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    cadre_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    contact_cadre_ids: Mapped[list[str]] = mapped_column(JSONB, default=list)
    value: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    persons: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0), server_default="0")
    progress: Mapped[Decimal] = mapped_column(Numeric(12, 6), default=Decimal(0))
    stage_progress: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_event_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reading_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the last task reading applied was valid: older ones are ignored."""
    day_facts: Mapped[dict[str, list[str]]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    """Asia/Shanghai day → [count, yuan, persons, latest business time] of the unit's facts:
    the figures are derived from these, so arrival order cannot change them."""
    late_facts: Mapped[dict[str, list[Any]]] = mapped_column(
        JSONB, default=dict, server_default="{}"
    )
    """Stage → [counted, refused, yuan refused, persons refused] of facts that arrived after
    the stage ended (counted until its cut-off, refused for scoring after it)."""
    counts_amount: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    """Whether the unit's task counts yuan rather than persons (from enrollment's figures)."""
    score: Mapped[Decimal] = mapped_column(Numeric(14, 4), default=Decimal(0))
    explanation: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    rank: Mapped[int] = mapped_column(Integer, default=1)
    rank_from_bottom: Mapped[int] = mapped_column(Integer, default=1)
    pool_size: Mapped[int] = mapped_column(Integer, default=1)
