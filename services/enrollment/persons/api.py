"""Persons and households; ID numbers masked for every role, revealed only on purpose."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlalchemy import select

from libs.common.access import (
    UNCHECKED,
    Anywhere,
    FromBody,
    FromQuery,
    Loaded,
    Policy,
    allow,
    body_field,
)
from libs.common.auth import Principal, Role
from libs.common.bounds import Offset
from libs.common.deps import PiiVaultDep, UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.access import OFFICERS, READERS, REVEAL_ID_ROLES
from services.enrollment.domain.identity_tags import IDENTITY_TAGS
from services.enrollment.export import XLSX_RESPONSES, Format, models_xlsx
from services.enrollment.persons import service
from services.enrollment.persons.models import Household, Person
from services.enrollment.persons.schemas import (
    HouseholdCreate,
    HouseholdRead,
    IdentityTagRead,
    PersonCreate,
    PersonRead,
    PersonSearch,
    RevealRead,
    RevealRecord,
    RevealRequest,
)

router = APIRouter(tags=["persons"])


async def household_unit(household_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The village a household is registered in."""
    found = select(Household.unit_code).where(Household.id == household_id)
    return await uow.session.scalar(found)


async def person_unit(person_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The village a person is registered in."""
    return await uow.session.scalar(select(Person.unit_code).where(Person.id == person_id))


async def new_person_unit(request: Request, uow: UnitOfWorkDep) -> str | None:
    """The village a new person is registered in: the body's `unit_code`, or its
    household's (an unknown household: the use case's answer)."""
    unit = await body_field(request, "unit_code")
    if isinstance(unit, str):
        return unit
    try:
        household_id = uuid.UUID(str(await body_field(request, "household_id")))
    except ValueError:
        return UNCHECKED
    return await household_unit(household_id, uow) or UNCHECKED


Reader = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]
"""Reference data, and a search whose answer is 404 outside the caller's jurisdiction."""
Registrar = Annotated[Principal, allow(Policy.of((OFFICERS, FromBody("unit_code"))))]
PersonRegistrar = Annotated[
    Principal, allow(Policy.of((OFFICERS, Loaded(new_person_unit, "household", private=False))))
]
HouseholdReader = Annotated[
    Principal, allow(Policy.of((READERS, Loaded(household_unit, "household"))))
]
PersonReader = Annotated[Principal, allow(Policy.of((READERS, Loaded(person_unit, "person"))))]
Revealer = Annotated[Principal, allow(Policy.of((REVEAL_ID_ROLES, Loaded(person_unit, "person"))))]
"""Who may see a whole ID number (services/enrollment/access.py), in their jurisdiction."""
RevealAuditor = Annotated[Principal, allow(Policy.of(((Role.AUDITOR,), FromQuery("unit_code"))))]
"""The reveals of a subtree are listed to its auditor."""
ListReader = Annotated[Principal, allow(Policy.of((READERS, FromQuery("unit_code"))))]


@router.get("/identity-tags", response_model=list[IdentityTagRead])
async def get_identity_tags(user: Reader) -> list[IdentityTagRead]:
    """The identity categories (身份类别) persons, quotes and rosters may name."""
    return [IdentityTagRead(code=code, name=name) for code, name in IDENTITY_TAGS.items()]


@router.post("/households", response_model=HouseholdRead, status_code=status.HTTP_201_CREATED)
async def post_household(
    body: HouseholdCreate, user: Registrar, uow: UnitOfWorkDep
) -> HouseholdRead:
    """Register a household in a village."""
    return await service.create_household(uow, user, body)


@router.get("/households/{household_id}", response_model=HouseholdRead)
async def get_household(
    household_id: uuid.UUID, user: HouseholdReader, vault: PiiVaultDep, uow: UnitOfWorkDep
) -> HouseholdRead:
    """A household and its members."""
    return await service.get_household(uow, user, vault, household_id)


@router.post("/persons", response_model=PersonRead, status_code=status.HTTP_201_CREATED)
async def post_person(
    body: PersonCreate, user: PersonRegistrar, vault: PiiVaultDep, uow: UnitOfWorkDep
) -> PersonRead:
    """Register a resident (bad ID number → 422 naming `resident_id`)."""
    return await service.register_person(uow, user, vault, body)


@router.post("/persons/search", response_model=PersonRead)
async def search_person(
    body: PersonSearch, user: Reader, vault: PiiVaultDep, uow: UnitOfWorkDep
) -> PersonRead:
    """Find a person by ID number (searched by keyed hash)."""
    return await service.find_person(uow, user, vault, body.resident_id)


@router.get("/persons/{person_id}", response_model=PersonRead)
async def get_person(
    person_id: uuid.UUID, user: PersonReader, vault: PiiVaultDep, uow: UnitOfWorkDep
) -> PersonRead:
    """A person in your jurisdiction."""
    return await service.get_person(uow, user, vault, person_id)


@router.get("/persons", response_model=list[PersonRead], responses=XLSX_RESPONSES)
async def list_persons(
    unit_code: Annotated[UnitCode, Query()],
    user: ListReader,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
    format: Format = "json",
) -> list[PersonRead] | Response:
    """Persons registered in a unit's subtree, as JSON or .xlsx (ID numbers masked alike)."""
    persons = await service.list_persons(uow, user, vault, unit_code, limit, offset)
    if format == "xlsx":
        return models_xlsx(f"persons-{unit_code}", PersonRead, persons)
    return persons


@router.post("/persons/{person_id}/reveal", response_model=RevealRead)
async def reveal_person_id(
    person_id: uuid.UUID,
    body: RevealRequest,
    user: Revealer,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
) -> RevealRead:
    """A person's whole ID number, with a stated reason; recorded (village officer, auditor)."""
    return await service.reveal(uow, user, vault, person_id, body.reason)


@router.get("/reveals", response_model=list[RevealRecord], responses=XLSX_RESPONSES)
async def list_reveals(
    unit_code: Annotated[UnitCode, Query()],
    user: RevealAuditor,
    uow: UnitOfWorkDep,
    since: Annotated[datetime | None, Query(description="Revealed at or after")] = None,
    until: Annotated[datetime | None, Query(description="Revealed before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    format: Format = "json",
) -> list[RevealRecord] | Response:
    """Who revealed which person's ID number, when and why, in a subtree (auditor)."""
    reveals = await service.list_reveals(uow, user, unit_code, since, until, limit, offset)
    if format == "xlsx":
        return models_xlsx(f"reveals-{unit_code}", RevealRecord, reveals)
    return reveals
