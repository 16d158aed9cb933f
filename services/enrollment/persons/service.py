"""Person and household use cases; ID numbers stored encrypted, found by keyed hash."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError

from libs.common import identifiers
from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound, RuleViolation
from libs.common.logging import current_request_id
from libs.common.pii import PiiVault
from services.enrollment import access
from services.enrollment.domain.facts import PersonFacts, Sex
from services.enrollment.persons.models import Household, IdReveal, Person
from services.enrollment.persons.schemas import (
    HouseholdCreate,
    HouseholdRead,
    PersonCreate,
    PersonRead,
    RevealRead,
    RevealRecord,
)
from services.enrollment.units import service as units


async def create_household(
    uow: UnitOfWork, user: Principal, body: HouseholdCreate
) -> HouseholdRead:
    """Register a household in a village of the caller's jurisdiction."""
    access.require(user, access.OFFICERS, body.unit_code)
    await units.require_unit(uow.session, body.unit_code, village=True)
    household = Household(unit_code=body.unit_code, number=body.number, address=body.address)
    uow.session.add(household)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(f"Household {body.number} exists in {body.unit_code}.") from exc
    await uow.commit()
    return HouseholdRead(
        id=household.id,
        unit_code=household.unit_code,
        number=household.number,
        address=household.address,
    )


async def get_household(
    uow: UnitOfWork, user: Principal, vault: PiiVault, household_id: uuid.UUID
) -> HouseholdRead:
    """A household with its members, if in the caller's jurisdiction."""
    access.require(user, access.READERS)
    household = await uow.session.get(Household, household_id)
    if household is None or not user.covers(household.unit_code):
        raise NotFound(f"No household {household_id} in your jurisdiction.")
    members = await uow.session.scalars(
        select(Person).where(Person.household_id == household_id).order_by(Person.created_at)
    )
    read = HouseholdRead.model_validate(household)
    read.members = [person_read(vault, p) for p in members]
    return read


async def register_person(
    uow: UnitOfWork, user: Principal, vault: PiiVault, body: PersonCreate
) -> PersonRead:
    """Register a resident once (the ID number's keyed hash is unique)."""
    unit_code = await _unit_of(uow, body)
    access.require(user, access.OFFICERS, unit_code)
    person = Person(
        person_key=vault.keyed_hash(body.resident_id),
        resident_id_enc=vault.encrypt(body.resident_id),
        name=body.name,
        household_id=body.household_id,
        unit_code=unit_code,
        birth_date=identifiers.resident_birth_date(body.resident_id),
        sex=identifiers.resident_sex(body.resident_id).value,
        tags=sorted(set(body.tags)),
        **body.model_dump(include=_FACTS),
    )
    uow.session.add(person)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "This resident ID number is already registered.", field="resident_id"
        ) from exc
    await uow.commit()
    return person_read(vault, person)


async def get_person(
    uow: UnitOfWork, user: Principal, vault: PiiVault, person_id: uuid.UUID
) -> PersonRead:
    """A person in the caller's jurisdiction (404 otherwise)."""
    access.require(user, access.READERS)
    person = await uow.session.get(Person, person_id)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    access.visible_or_404(user, person.unit_code, f"person {person_id}")
    return person_read(vault, person)


async def find_person(uow: UnitOfWork, user: Principal, vault: PiiVault, number: str) -> PersonRead:
    """Look a person up by ID number through its keyed hash."""
    access.require(user, access.READERS)
    person = await uow.session.scalar(
        select(Person).where(Person.person_key == vault.keyed_hash(number))
    )
    if person is None or not user.covers(person.unit_code):
        raise NotFound("No person with this ID number in your jurisdiction.")
    return person_read(vault, person)


async def list_persons(
    uow: UnitOfWork, user: Principal, vault: PiiVault, unit_code: str, limit: int, offset: int
) -> list[PersonRead]:
    """Persons registered in a unit's subtree (403 outside the caller's jurisdiction)."""
    access.require(user, access.READERS, unit_code)
    prefix = identifiers.unit_prefix(unit_code)
    persons = await uow.session.scalars(
        select(Person)
        .where(Person.unit_code.startswith(prefix))
        .order_by(Person.unit_code, Person.created_at)
        .limit(limit)
        .offset(offset)
    )
    return [person_read(vault, p) for p in persons]


def person_read(vault: PiiVault, person: Person) -> PersonRead:
    """The API form of a person, the ID number masked (for every role: see `access`)."""
    return PersonRead(
        id=person.id,
        resident_id=access.shown_resident_id(vault.decrypt(person.resident_id_enc)),
        resident_id_masked=True,
        name=person.name,
        unit_code=person.unit_code,
        household_id=person.household_id,
        birth_date=person.birth_date,
        sex=person.sex,
        tags=list(person.tags),
        student=person.student,
        in_employee_scheme=person.in_employee_scheme,
        local_hukou=person.local_hukou,
        residence_permit=person.residence_permit,
        new_nonlocal_student=person.new_nonlocal_student,
        contribution_years=person.contribution_years,
        updated_at=person.updated_at,
        updated_by=person.updated_by,
    )


async def reveal(
    uow: UnitOfWork, user: Principal, vault: PiiVault, person_id: uuid.UUID, reason: str
) -> RevealRead:
    """A person's whole ID number for a role that needs it, recorded with who, when and why.

    403 for a role that may not reveal; 404 for a person outside the caller's jurisdiction
    (existence is private). The record and the answer are one transaction: no number is
    shown that was not recorded.
    """
    role = access.require_reveal(user)
    person = await uow.session.get(Person, person_id)
    if person is None or not user.covers(person.unit_code):
        raise NotFound(f"No person {person_id} in your jurisdiction.")
    record = IdReveal(
        person_id=person.id,
        unit_code=person.unit_code,
        actor=user.subject,
        role=role,
        reason=reason,
        request_id=uow.request_id or current_request_id(),
    )
    uow.session.add(record)
    await uow.session.flush()
    await uow.session.refresh(record, ["at"])
    await uow.commit()
    return RevealRead(
        person_id=person.id,
        resident_id=vault.decrypt(person.resident_id_enc),
        reveal_id=record.id,
        revealed_at=record.at,
    )


async def list_reveals(
    uow: UnitOfWork,
    user: Principal,
    unit_code: str,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> list[RevealRecord]:
    """The reveals of persons in a unit's subtree, newest first (the auditor only)."""
    access.require(user, (Role.AUDITOR,), unit_code)
    query = select(IdReveal).where(
        IdReveal.unit_code.startswith(identifiers.unit_prefix(unit_code))
    )
    if since is not None:
        query = query.where(IdReveal.at >= since)
    if until is not None:
        query = query.where(IdReveal.at < until)
    rows = await uow.session.scalars(
        query.order_by(IdReveal.at.desc(), IdReveal.id.desc()).limit(limit).offset(offset)
    )
    return [RevealRecord.model_validate(row) for row in rows]


FACT_COLUMNS = tuple(f.name for f in dataclasses.fields(PersonFacts))
"""The columns `facts_of` reads: a person's column for each of the rules' facts."""


def facts_of(person: Person | Row[Any]) -> PersonFacts:
    """What the rules need to know about a stored person (a model or a table row)."""
    return PersonFacts(
        birth_date=person.birth_date,
        sex=Sex(person.sex),
        tags=frozenset(person.tags),
        student=person.student,
        in_employee_scheme=person.in_employee_scheme,
        local_hukou=person.local_hukou,
        residence_permit=person.residence_permit,
        new_nonlocal_student=person.new_nonlocal_student,
        contribution_years=person.contribution_years,
    )


_FACTS = set(FACT_COLUMNS) - {"birth_date", "sex", "tags"}
"""The facts a new person's request states as they are (the others are derived)."""


async def _unit_of(uow: UnitOfWork, body: PersonCreate) -> str:
    if body.household_id is not None:
        household = await uow.session.get(Household, body.household_id)
        if household is None:
            raise RuleViolation(f"Unknown household {body.household_id}.", field="household_id")
        return household.unit_code
    if body.unit_code is None:
        raise RuleViolation("Give household_id or unit_code.", field="unit_code")
    await units.require_unit(uow.session, body.unit_code, village=True)
    return body.unit_code
