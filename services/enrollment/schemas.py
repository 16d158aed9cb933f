"""Request and response models of the enrollment API."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from libs.common.identifiers import ResidentId, UnitCode

Yuan = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2, examples=["320.00"])]


class PaymentCreate(BaseModel):
    """A payment notice as a partner (tax or bank system) sends it."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: str = Field(min_length=1, max_length=64, description="Partner's own number")
    resident_id: ResidentId = Field(description="The payer's 18-digit resident ID number")
    unit_code: UnitCode
    scheme_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    year: int = Field(ge=2000, le=2100)
    amount: Yuan
    paid_at: AwareDatetime
    deposited_at: AwareDatetime | None = Field(
        None, description="When the money reached the fund account; only this completes a person"
    )


class PaymentRead(BaseModel):
    """A payment as recorded in the ledger, with the outcome of this delivery."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    enrollment_id: uuid.UUID
    partner_id: str
    transaction_id: str
    unit_code: str
    scheme_code: str
    year: int
    amount: Decimal
    paid_at: datetime
    deposited_at: datetime | None
    channel: str
    outcome: Literal["recorded", "duplicate"]
