"""Request and response models of enrollments."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ApiAction = Literal["interrupt", "resume", "seal", "flag_duplicate", "terminate"]
"""The actions an officer takes on one enrollment. Registering, completing or reversing a
payment and closing the window are the system's own moves (the last for a whole subtree,
by a planner, via `close-window`), never a per-enrollment request."""


class EnrollmentCreate(BaseModel):
    """Enroll a registered person in a scheme-year."""

    model_config = ConfigDict(extra="forbid")

    person_id: uuid.UUID
    scheme_code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    year: int = Field(ge=2000, le=2100)
    tier: str | None = Field(None, max_length=64)


class TransitionRequest(BaseModel):
    """A lifecycle action on an enrollment, with the reason for the audit trail."""

    model_config = ConfigDict(extra="forbid")

    action: ApiAction
    reason: str | None = Field(None, max_length=2000)


class EnrollmentRead(BaseModel):
    """An enrollment with its settlement (only deposited money completes a person)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    person_id: uuid.UUID
    unit_code: str
    scheme_code: str
    year: int
    state: str
    tier: str | None
    subsidy_category: str | None
    due: Decimal
    paid: Decimal
    deposited: Decimal
    overpayment: Decimal
    settlement: str
    counted: bool
    benefits_from: date | None = Field(
        None,
        description="When benefits start, for a person paid in full outside the window "
        "(variant A: 30 days after paying); None: with the scheme-year",
    )
    registered_at: datetime


class TransitionRead(BaseModel):
    """One audited lifecycle change."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    from_state: str
    to_state: str
    actor: str
    reason: str | None
    at: datetime


class WindowClosed(BaseModel):
    """How many enrollments went into arrears when the window closed."""

    scheme_code: str
    year: int
    moved_to_unpaid: int


class RefusedLine(BaseModel):
    """A roster line that was not enrolled, and why."""

    model_config = ConfigDict(from_attributes=True)

    line_no: int
    reason_code: str
    detail: str


class RosterRead(BaseModel):
    """What became of a roster: counts per outcome and every refused line."""

    lines: int
    enrolled: int
    already_enrolled: int
    rejected: int
    refused: list[RefusedLine]
