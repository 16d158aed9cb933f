"""Request and response models of persons and households."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from libs.common.identifiers import ResidentId, UnitCode
from services.enrollment.domain.identity_tags import IdentityTag

Tag = str


class HouseholdCreate(BaseModel):
    """A household registered in a village."""

    model_config = ConfigDict(extra="forbid")

    unit_code: UnitCode = Field(description="Village of household registration (户籍)")
    number: str = Field(min_length=1, max_length=64, description="Household number (户号)")
    address: str | None = Field(None, max_length=200)


class HouseholdRead(BaseModel):
    """A household and its members."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    unit_code: str
    number: str
    address: str | None
    members: list[PersonRead] = Field(default_factory=list)


class PersonCreate(BaseModel):
    """A resident to register; the ID number is validated with its check digit."""

    model_config = ConfigDict(extra="forbid")

    resident_id: ResidentId = Field(description="18-digit resident ID number (GB 11643)")
    name: str = Field(min_length=1, max_length=64)
    household_id: uuid.UUID | None = Field(None, description="Household; gives the unit")
    unit_code: UnitCode | None = Field(None, description="Village, when no household is given")
    tags: list[Annotated[str, IdentityTag]] = Field(
        default_factory=list,
        max_length=32,
        description="Identity categories (身份类别), from `GET /v1/identity-tags`",
    )
    student: bool = False
    in_employee_scheme: bool = False
    local_hukou: bool = True
    residence_permit: bool = False
    new_nonlocal_student: bool = False
    contribution_years: int = Field(
        0, ge=0, le=80, description="Years of pension contributions paid (000:L54)"
    )


class PersonUpdate(BaseModel):
    """A change to a person's facts (only the fields given change): the enrollments of the
    person are settled again, since tags and status decide who pays what."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=64)
    tags: list[Annotated[str, IdentityTag]] | None = Field(
        None, max_length=32, description="The whole new list of identity categories"
    )
    student: bool | None = None
    in_employee_scheme: bool | None = None
    local_hukou: bool | None = None
    residence_permit: bool | None = None
    new_nonlocal_student: bool | None = None
    contribution_years: int | None = Field(None, ge=0, le=80)


class PersonSearch(BaseModel):
    """Find a person by ID number (sent in the body, never in a URL)."""

    model_config = ConfigDict(extra="forbid")

    resident_id: ResidentId


class PersonRead(BaseModel):
    """A person; `resident_id` is always masked (reveal it with `POST …/reveal`)."""

    id: uuid.UUID
    resident_id: str = Field(description="Masked ID number, e.g. `3201**********123X`")
    resident_id_masked: bool = Field(description="Always true: whole numbers are revealed")
    name: str
    unit_code: str
    household_id: uuid.UUID | None
    birth_date: date
    sex: str
    tags: list[str]
    student: bool
    in_employee_scheme: bool
    local_hukou: bool
    residence_permit: bool
    new_nonlocal_student: bool
    contribution_years: int
    updated_at: datetime | None = Field(None, description="The last change of the facts")
    updated_by: str | None = None


HouseholdRead.model_rebuild()

Reason = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=2, max_length=500, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]


class RevealRequest(BaseModel):
    """Why the caller needs a person's whole ID number (recorded, listed to the auditor)."""

    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(
        description="Why the whole number is needed (2–500 characters, one line)",
        examples=["上门收缴：核对税务回单身份证号"],
    )


class RevealRead(BaseModel):
    """A person's whole ID number, shown on purpose; the reveal is recorded as `reveal_id`."""

    person_id: uuid.UUID
    resident_id: str
    reveal_id: int
    revealed_at: datetime


class RevealRecord(BaseModel):
    """One recorded reveal: who, as what role, when, whose, why, in which request."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    role: str
    person_id: uuid.UUID
    unit_code: str
    reason: str
    request_id: str | None


class IdentityTagRead(BaseModel):
    """An identity category a person can carry, as subsidy rules name it."""

    code: str
    name: str
