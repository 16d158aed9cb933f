"""Tasks (任务数) per unit and scheme-year, set by the level above."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class Task(Base):
    """A unit's task for a scheme-year: persons to complete, or yuan to collect."""

    __tablename__ = "task"

    scheme_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    task: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
