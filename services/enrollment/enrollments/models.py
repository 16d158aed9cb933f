"""Enrollment of a person in a scheme-year, and the audit trail of its transitions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, Numeric, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base

ZERO = Decimal("0.00")


class Enrollment(Base):
    """Person × scheme × year; its id is derived from those three so every path agrees."""

    __tablename__ = "enrollment"
    __table_args__ = (Index("ix_enrollment_scheme_year_unit", "scheme_code", "year", "unit_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    person_key: Mapped[str] = mapped_column(String(64))
    unit_code: Mapped[str] = mapped_column(String(12))
    scheme_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    state: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str | None] = mapped_column(String(64))
    subsidy_category: Mapped[str | None] = mapped_column(String(64))
    due: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    deposited: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    overpayment: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=ZERO)
    settlement: Mapped[str] = mapped_column(String(16), default="unpaid")
    counted: Mapped[bool] = mapped_column(default=False)
    # Paid in full outside the window: benefits wait (variant A: 30 days after paying).
    benefits_from: Mapped[date | None] = mapped_column(Date)
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EnrollmentTransition(Base):
    """One audited lifecycle change: who, when, from what to what, and why."""

    __tablename__ = "enrollment_transition"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
