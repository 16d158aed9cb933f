"""Credit tables: entities with their scores, additional items, history and requests."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Identity,
    Index,
    Numeric,
    String,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class CreditEntity(Base):
    """An entity's basic information, official posting and current provisional score."""

    __tablename__ = "credit_entity"

    credit_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    unit_code: Mapped[str | None] = mapped_column(String(12), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    basic: Mapped[dict[str, str] | None] = mapped_column(JSONB)
    basic_posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    official_year: Mapped[int | None]
    official_grade: Mapped[str | None] = mapped_column(String(16))
    official_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    official_posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provisional_score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    provisional_grade: Mapped[str | None] = mapped_column(String(16))
    policy_version: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[list[dict[str, str]] | None] = mapped_column(JSONB)
    score_as_of: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    effective_grade: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class CreditItemRow(Base):
    """An additional credit item, kept with the event that produced it (001:L22)."""

    __tablename__ = "credit_item"
    __table_args__ = (Index("ix_credit_item_code_time", "credit_code", "occurred_at"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    """`<source event id>:<kind>` (arrears: `arrears:<arrears id>`): stable, so a rebuild
    keeps requests' references valid."""
    credit_code: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_event_id: Mapped[str] = mapped_column(String(64))
    source_type: Mapped[str] = mapped_column(String(128))
    unit_code: Mapped[str | None] = mapped_column(String(12))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When the fact behind the item was cleared (arrears paid off): it no longer counts."""


class CreditScoreHistory(Base):
    """Each score an entity has had: provisional or official, with its explanation."""

    __tablename__ = "credit_score_history"
    __table_args__ = (Index("ix_credit_score_history_code", "credit_code", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    kind: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str] = mapped_column(String(16))
    policy_version: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[list[dict[str, str]]] = mapped_column(JSONB, default=list)
    cause: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class CreditRequest(Base):
    """An objection (异议) or credit-repair (信用修复) request and its outcome."""

    __tablename__ = "credit_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(2000))
    item_ids: Mapped[list[Any]] = mapped_column(JSONB, default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    outcome: Mapped[str | None] = mapped_column(String(2000))
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CreditPolicy(Base):
    """A version of the credit rules adopted here; the latest adopted is in force."""

    __tablename__ = "credit_policy"
    __table_args__ = (Index("ix_credit_policy_adopted_at", "adopted_at"),)

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(JSONB)
    adopted_by: Mapped[str] = mapped_column(String(64))
    adopted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
