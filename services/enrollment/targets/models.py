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


class UnitProgress(Base):
    """A unit's live figures for a scheme-year (its whole subtree), kept by deltas.

    Every use case that moves an enrollment adds its difference here in the same
    transaction, so a payment costs a few row updates instead of a recount of the year.
    `task` is the effective task: the unit's own, or the sum of its children's.
    """

    __tablename__ = "unit_progress"

    scheme_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    completed: Mapped[int] = mapped_column(default=0)
    enrolled: Mapped[int] = mapped_column(default=0)
    deposited: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    task: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
