"""Request and response models of the payment ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from libs.common.identifiers import ResidentId, UnitCode
from services.enrollment.money import Yuan

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]
Outcome = Literal["recorded", "duplicate", "reversed", "deposited", "suspense", "returned"]


class PaymentCreate(BaseModel):
    """A payment notice as a partner (tax or bank system) sends it."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: str = Field(min_length=1, max_length=64, description="Partner's own number")
    resident_id: ResidentId = Field(description="The payer's 18-digit resident ID number")
    unit_code: UnitCode
    scheme_code: Code
    year: int = Field(ge=2000, le=2100)
    tier: Code | None = None
    amount: Yuan
    paid_at: AwareDatetime
    deposited_at: AwareDatetime | None = Field(
        None, description="When the money reached the fund account; only this completes a person"
    )


class ReversalCreate(BaseModel):
    """A reversal (冲正) of one of the partner's earlier payments, for its full amount."""

    model_config = ConfigDict(extra="forbid")

    transaction_id: str = Field(min_length=1, max_length=64, description="The reversal's number")
    original_transaction_id: str = Field(min_length=1, max_length=64)
    amount: Yuan
    reversed_at: AwareDatetime
    reason: str | None = Field(None, max_length=2000)


class PaymentRead(BaseModel):
    """A ledger entry, with the outcome of this delivery."""

    id: uuid.UUID
    kind: Literal["payment", "reversal"]
    status: str
    enrollment_id: uuid.UUID | None
    partner_id: str
    transaction_id: str
    reverses_transaction_id: str | None = None
    unit_code: str
    scheme_code: str
    year: int
    amount: Decimal
    paid_at: datetime
    deposited_at: datetime | None
    channel: str
    note: str | None = None
    outcome: Outcome


class SuspenseResolve(BaseModel):
    """A clerk's decision on a payment in suspense: match it, or return it to the partner."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["match", "return"]
    enrollment_id: uuid.UUID | None = Field(
        None, description="The enrollment to match; default: the payer's enrollment, now present"
    )
    note: str | None = Field(None, max_length=2000)


class LineRead(BaseModel):
    """The outcome of one line of a delivery."""

    model_config = ConfigDict(from_attributes=True)

    line_no: int
    partner_txn_id: str | None
    outcome: str
    reason_code: str | None
    detail: str | None
    payment_id: uuid.UUID | None


class DeliveryRead(BaseModel):
    """A delivery (webhook call, topic event, file) and what became of its lines."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    partner_id: str
    channel: str
    source: str | None
    lines: int
    recorded: int
    duplicate: int
    reversed: int
    deposited: int = Field(
        description="Lines confirming the deposit of a payment recorded earlier without it"
    )
    suspense: int
    rejected: int
    received_at: datetime
    state: Literal["queued", "importing", "done", "stopped"] = Field(
        description="A file's import: `queued` while other files are posted, `importing` "
        "while its lines are, then `done`, or `stopped` part-way (why in `stopped_reason`; "
        "importing the file again posts the rest)"
    )
    expected_lines: int | None = Field(
        None, description="A file's lines (header excluded); `lines` of them are posted so far"
    )
    stopped_reason: str | None = None
    updated_at: datetime = Field(
        description="When the delivery last moved: an unfinished import moves it with each "
        "chunk and every 30 s; after 5 minutes without, its process is gone and it is `stopped`"
    )
    same_file_as: uuid.UUID | None = Field(
        None, description="An earlier delivery of the very same file, if any"
    )
    outcomes: list[LineRead] = Field(default_factory=list)
