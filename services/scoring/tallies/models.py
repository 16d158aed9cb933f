"""The payments scoring has counted per unit, scheme and year."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.base import Base


class UnitPaymentTally(Base):
    """Payments recorded for a unit, per scheme and year: a metric fed by enrollment events."""

    __tablename__ = "unit_payment_tally"

    unit_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    scheme_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    payments: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
