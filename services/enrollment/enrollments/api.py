"""Enrollments: per person, scheme and year, with an audited lifecycle."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy import select

from libs.common.access import UNCHECKED, Anywhere, FromQuery, Loaded, Policy, allow, body_field
from libs.common.auth import Principal
from libs.common.bounds import Code, QueryCode, QueryYear, Year
from libs.common.deps import Now, PiiVaultDep, RuntimeDep, UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.access import OFFICERS, PLANNERS, READERS
from services.enrollment.domain.lifecycle import EnrollmentState
from services.enrollment.enrollments import corrections, roster, service
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.enrollments.schemas import (
    EnrollmentCreate,
    EnrollmentRead,
    RefusedLine,
    RosterRead,
    TransitionRead,
    TransitionRequest,
    WindowClosed,
)
from services.enrollment.export import XLSX_RESPONSES, Format, models_xlsx
from services.enrollment.persons.models import Person
from services.enrollment.persons.schemas import PersonRead, PersonUpdate

router = APIRouter(tags=["enrollments"])


async def enrollment_unit(enrollment_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The unit of an enrollment (its person's village)."""
    found = select(Enrollment.unit_code).where(Enrollment.id == enrollment_id)
    return await uow.session.scalar(found)


async def person_unit(person_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The village a person is registered in."""
    return await uow.session.scalar(select(Person.unit_code).where(Person.id == person_id))


async def enrolled_person_unit(request: Request, uow: UnitOfWorkDep) -> str | None:
    """The village of the person a new enrollment names (an unknown person: the use case's
    422 naming `person_id`)."""
    try:
        person_id = uuid.UUID(str(await body_field(request, "person_id")))
    except ValueError:
        return UNCHECKED
    found = await uow.session.scalar(select(Person.unit_code).where(Person.id == person_id))
    return found or UNCHECKED


Enroller = Annotated[
    Principal, allow(Policy.of((OFFICERS, Loaded(enrolled_person_unit, "person", private=False))))
]
RosterOfficer = Annotated[Principal, allow(Policy.of((OFFICERS, Anywhere())))]
"""Each roster line outside the caller's jurisdiction is refused on its own (a list)."""
Reader = Annotated[Principal, allow(Policy.of((READERS, FromQuery("unit_code"))))]
EnrollmentReader = Annotated[
    Principal, allow(Policy.of((READERS, Loaded(enrollment_unit, "enrollment"))))
]
EnrollmentOfficer = Annotated[
    Principal, allow(Policy.of((OFFICERS, Loaded(enrollment_unit, "enrollment"))))
]
WindowCloser = Annotated[Principal, allow(Policy.of((PLANNERS, Anywhere())))]
"""Closing a window acts on the caller's own jurisdiction only."""
PersonOfficer = Annotated[Principal, allow(Policy.of((OFFICERS, Loaded(person_unit, "person"))))]


@router.post("/enrollments", response_model=EnrollmentRead, status_code=status.HTTP_201_CREATED)
async def post_enrollment(
    body: EnrollmentCreate, user: Enroller, uow: UnitOfWorkDep
) -> EnrollmentRead:
    """Enroll an eligible person in a scheme-year (emits `person.enrolled`)."""
    return await service.enroll(uow, user, body)


@router.post("/rosters/{scheme_code}/{year}", response_model=RosterRead)
async def post_roster(
    scheme_code: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")],
    year: Year,
    request: Request,
    user: RosterOfficer,
    runtime: RuntimeDep,
    vault: PiiVaultDep,
) -> RosterRead:
    """Register and enroll a village roster (CSV body, one resident per line)."""
    report = await roster.import_roster(
        runtime.sessions, user, vault, scheme_code, year, await request.body()
    )
    return roster_read(report)


@router.get("/enrollments", response_model=list[EnrollmentRead], responses=XLSX_RESPONSES)
async def list_enrollments(
    unit_code: Annotated[UnitCode, Query()],
    scheme_code: QueryCode,
    year: QueryYear,
    user: Reader,
    uow: UnitOfWorkDep,
    state: EnrollmentState | None = None,
    format: Format = "json",
) -> list[EnrollmentRead] | Response:
    """Enrollments of a scheme-year in a unit's subtree, optionally in one state, as JSON
    or .xlsx."""
    rows = await service.list_enrollments(uow, user, unit_code, scheme_code, year, state)
    if format == "xlsx":
        return models_xlsx(f"enrollments-{scheme_code}-{year}-{unit_code}", EnrollmentRead, rows)
    return rows


@router.get("/enrollments/{enrollment_id}", response_model=EnrollmentRead)
async def get_enrollment(
    enrollment_id: uuid.UUID, user: EnrollmentReader, uow: UnitOfWorkDep
) -> EnrollmentRead:
    """An enrollment with its settlement."""
    return await service.get_enrollment(uow, user, enrollment_id)


@router.get("/enrollments/{enrollment_id}/history", response_model=list[TransitionRead])
async def get_history(
    enrollment_id: uuid.UUID, user: EnrollmentReader, uow: UnitOfWorkDep
) -> list[TransitionRead]:
    """The audit trail of an enrollment's lifecycle."""
    return await service.history(uow, user, enrollment_id)


@router.post("/enrollments/{enrollment_id}/transitions", response_model=EnrollmentRead)
async def post_transition(
    enrollment_id: uuid.UUID, body: TransitionRequest, user: EnrollmentOfficer, uow: UnitOfWorkDep
) -> EnrollmentRead:
    """Interrupt, resume, seal, flag as duplicate or terminate an enrollment (audited)."""
    return await service.act(uow, user, enrollment_id, body)


@router.post("/schemes/{scheme_code}/years/{year}/close-window", response_model=WindowClosed)
async def close_window(
    scheme_code: Code, year: Year, user: WindowCloser, uow: UnitOfWorkDep, now: Now
) -> WindowClosed:
    """After the window, move unpaid registrations in your jurisdiction into arrears
    (409 `window_open` while the window runs)."""
    return await service.close_window(uow, user, scheme_code, year, now)


def roster_read(report: roster.RosterReport) -> RosterRead:
    """The API form of a roster's report."""
    return RosterRead(
        lines=report.lines,
        enrolled=report.counts["enrolled"],
        already_enrolled=report.counts["already_enrolled"],
        rejected=report.counts["rejected"],
        refused=[RefusedLine.model_validate(r) for r in report.refused],
    )


@router.patch("/persons/{person_id}", response_model=PersonRead, tags=["persons"])
async def patch_person(
    person_id: uuid.UUID,
    body: PersonUpdate,
    user: PersonOfficer,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
) -> PersonRead:
    """Correct a person's facts (officers of their village); their enrollments are settled
    again under the new facts. (Listed under persons; it lives with enrollments because it
    settles them.)"""
    return await corrections.update_person(uow, user, vault, person_id, body)
