"""Request and response models of enterprise arrears."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.identifiers import CreditCode, UnitCode
from services.enrollment.money import Yuan, YuanOrZero


class ArrearsCreate(BaseModel):
    """An enterprise's contributions due and paid for one period."""

    model_config = ConfigDict(extra="forbid")

    credit_code: CreditCode
    unit_code: UnitCode
    scheme_code: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=2000, le=2100)
    period: str = Field(min_length=1, max_length=16, examples=["2025-06"])
    due: YuanOrZero
    paid: YuanOrZero = Decimal("0.00")
    due_date: date
    assessed_on: date | None = Field(None, description="Day of assessment (default today)")


class ArrearsPayment(BaseModel):
    """A back-payment against assessed arrears; the late fee is counted to `paid_on`."""

    model_config = ConfigDict(extra="forbid")

    amount: Yuan
    paid_on: date | None = Field(None, description="Day of payment (default today)")


class ArrearsRead(BaseModel):
    """Arrears of one enterprise and period, with the late fee and whether it is deferred."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    credit_code: str
    unit_code: str
    scheme_code: str
    year: int
    period: str
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    due_date: date
    late_fee_accrued: Decimal
    late_fee_payable: Decimal
    late_fee_deferred: Decimal
    late_fee_paid: Decimal
    late_fee_as_of: date
    deferred_until: date | None
    late_fee_reason: str
    amount_to_clear: Decimal = Field(
        description="Contributions owed plus the late fee due now (a deferred fee is not due)"
    )
    status: str
    assessed_at: datetime
    cleared_at: datetime | None


class BaseAuditRequest(BaseModel):
    """An enterprise's declared contribution base (缴费基数) to check (000:L46)."""

    model_config = ConfigDict(extra="forbid")

    credit_code: CreditCode
    unit_code: UnitCode
    scheme_code: str = Field(min_length=1, max_length=64)
    year: int = Field(ge=2000, le=2100)
    declared_base: YuanOrZero


class BaseAuditRead(BaseModel):
    """Whether the declared base is below the policy's minimum, and by how much."""

    credit_code: str
    scheme_code: str
    year: int
    flagged: bool
    declared_base: Decimal
    minimum_base: Decimal
    shortfall: Decimal
    rule_code: str
    rule_text: str
