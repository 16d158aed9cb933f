"""Insured persons and their households; the ID number only encrypted and as a keyed hash."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from services.enrollment.base import Base


class Household(Base):
    """A household (户) registered in a village."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("unit_code", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    number: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Person(Base):
    """A resident; `person_key` is the keyed hash of the ID number, unique."""

    __tablename__ = "person"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    person_key: Mapped[str] = mapped_column(String(64), unique=True)
    resident_id_enc: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(64))
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), index=True)
    unit_code: Mapped[str] = mapped_column(String(12), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    student: Mapped[bool] = mapped_column(default=False)
    in_employee_scheme: Mapped[bool] = mapped_column(default=False)
    local_hukou: Mapped[bool] = mapped_column(default=True)
    residence_permit: Mapped[bool] = mapped_column(default=False)
    new_nonlocal_student: Mapped[bool] = mapped_column(default=False)
    contribution_years: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # The last change of the person's facts (PATCH), and who made it.
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(128))


class IdReveal(Base):
    """One whole ID number shown on purpose: who, as what role, when, whose, why, in which
    request. Append-only; the auditor lists them (`GET /v1/reveals`)."""

    __tablename__ = "id_reveal"
    __table_args__ = (Index("ix_id_reveal_unit_at", "unit_code", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    # The person's village when revealed: the auditor lists reveals by subtree.
    unit_code: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(500))
    request_id: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
