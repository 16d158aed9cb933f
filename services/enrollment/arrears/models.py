"""Enterprise arrears (欠费) per enterprise, scheme and period, with late fees."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class EnterpriseArrears(Base):
    """What an enterprise owes for one period; cleared once paid off."""

    __tablename__ = "enterprise_arrears"
    __table_args__ = (UniqueConstraint("credit_code", "scheme_code", "year", "period"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), index=True)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    scheme_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    period: Mapped[str] = mapped_column(String(16))
    due: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    due_date: Mapped[date] = mapped_column(Date)
    late_fee_accrued: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    late_fee_payable: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    late_fee_deferred: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    late_fee_paid: Mapped[Decimal] = mapped_column(Numeric(14, 2), server_default="0")
    late_fee_as_of: Mapped[date] = mapped_column(Date)  # accrued up to this day
    deferred_until: Mapped[date | None] = mapped_column(Date)
    late_fee_reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # open | cleared
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    cleared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
