"""Enrollment database tables."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Numeric, String, UniqueConstraint, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from libs.common.db import new_metadata


class Base(DeclarativeBase):
    """Declarative base of the enrollment database."""

    metadata = new_metadata()


class Payment(Base):
    """A payment notice from a partner (tax or bank); its identity is partner + transaction."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("partner_id", "partner_txn_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    partner_id: Mapped[str] = mapped_column(String(64))
    partner_txn_id: Mapped[str] = mapped_column(String(64))
    enrollment_id: Mapped[uuid.UUID]
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    scheme_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    paid_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deposited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
