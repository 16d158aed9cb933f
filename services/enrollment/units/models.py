"""Admin units enrollment knows: learnt from grid's `unit.upserted`, or registered locally."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class Unit(Base):
    """An admin unit (district, town, village) payments and tasks may name."""

    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(12))
    pool: Mapped[str] = mapped_column(String(64), default="village")
    active: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(16))  # "grid" (event) or "local" (stop-gap PUT)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
