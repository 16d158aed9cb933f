"""Response models of the payment tallies."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class PaymentTallyRead(BaseModel):
    """Payments counted for a unit in one scheme-year."""

    model_config = ConfigDict(from_attributes=True)

    scheme_code: str
    year: int
    payments: int
    amount: Decimal


class UnitPaymentsRead(BaseModel):
    """A unit's payment counts, as scoring has consumed them from enrollment's events."""

    unit_code: str
    payments: int
    amount: Decimal
    by_scheme: list[PaymentTallyRead]
