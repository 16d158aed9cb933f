"""Trigger firings over consecutive snapshots, with the actions they require."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class TriggerFiring(Base):
    """A trigger that fired for a unit at a snapshot (once per snapshot, unit and kind)."""

    __tablename__ = "trigger_firing"
    __table_args__ = (
        UniqueConstraint("snapshot_id", "unit_code", "kind", name="uq_trigger_firing_once"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign: Mapped[str] = mapped_column(String(64), index=True)
    snapshot_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("ranking_snapshot.id"))
    previous_snapshot_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    unit_code: Mapped[str] = mapped_column(String(12))
    pool: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    rule: Mapped[str] = mapped_column(String(64))
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    text: Mapped[str] = mapped_column(String(500))
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
