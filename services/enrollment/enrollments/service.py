"""Enrollment use cases: enroll, lifecycle actions (audited, emitted), close the window."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound, RuleViolation
from libs.common.events.envelope import Event
from services.enrollment import access
from services.enrollment.domain.dates import local_date, window_closes
from services.enrollment.domain.eligibility import decide_eligibility
from services.enrollment.domain.lifecycle import EnrollmentAction, EnrollmentState
from services.enrollment.domain.premiums import quote_premium
from services.enrollment.enrollments import audit
from services.enrollment.enrollments.models import ZERO, Enrollment, EnrollmentTransition
from services.enrollment.enrollments.schemas import (
    EnrollmentCreate,
    EnrollmentRead,
    TransitionRead,
    TransitionRequest,
    WindowClosed,
)
from services.enrollment.errors import domain_rules
from services.enrollment.identity import enrollment_id_of
from services.enrollment.persons import service as persons
from services.enrollment.persons.models import Person
from services.enrollment.schemes import service as schemes
from services.enrollment.targets import tally


async def enroll(uow: UnitOfWork, user: Principal, body: EnrollmentCreate) -> EnrollmentRead:
    """Enroll an eligible person (prospect → registered), quoting what they owe."""
    person = await uow.session.get(Person, body.person_id)
    if person is None:
        raise RuleViolation(f"Unknown person {body.person_id}.", field="person_id")
    access.require(user, access.OFFICERS, person.unit_code)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(
            uow.session, person.unit_code, body.scheme_code, body.year
        )
    )
    facts, now = persons.facts_of(person), datetime.now(UTC)
    eligibility = decide_eligibility(policy, facts, local_date(now))
    if not eligibility.eligible:
        raise RuleViolation(
            eligibility.reason.text, field="person_id", code=eligibility.reason.code
        )
    with domain_rules("tier"):
        quote = quote_premium(policy, facts, now, body.tier)
    enrollment = Enrollment(
        id=enrollment_id_of(person.person_key, body.scheme_code, body.year),
        person_id=person.id,
        person_key=person.person_key,
        unit_code=person.unit_code,
        scheme_code=body.scheme_code,
        year=body.year,
        state=EnrollmentState.PROSPECT.value,
        tier=quote.tier,
        subsidy_category=quote.category,
        due=quote.individual.amount,
        paid=ZERO,
        deposited=ZERO,
        overpayment=ZERO,
        settlement="unpaid",
        counted=False,
        registered_at=now,
    )
    if await uow.session.get(Enrollment, enrollment.id) is not None:
        raise _already_enrolled()
    uow.session.add(enrollment)
    try:
        await uow.session.flush()
    except IntegrityError as exc:  # enrolled by a concurrent request meanwhile
        raise _already_enrolled() from exc
    audit.move(uow, enrollment, EnrollmentAction.REGISTER, user.subject, None, now, emit=False)
    uow.emit(audit.enrolled_event(_columns(enrollment), now))
    await _count(uow, enrollment, tally.NOTHING)
    await uow.commit()
    return EnrollmentRead.model_validate(enrollment)


async def get_enrollment(
    uow: UnitOfWork, user: Principal, enrollment_id: uuid.UUID
) -> EnrollmentRead:
    """An enrollment in the caller's jurisdiction."""
    return EnrollmentRead.model_validate(await _visible(uow, user, enrollment_id))


async def list_enrollments(
    uow: UnitOfWork,
    user: Principal,
    unit_code: str,
    scheme_code: str,
    year: int,
    state: EnrollmentState | None,
) -> list[EnrollmentRead]:
    """Enrollments of a scheme-year in a unit's subtree."""
    access.require(user, access.READERS, unit_code)
    from libs.common.identifiers import unit_prefix

    query = select(Enrollment).where(
        Enrollment.scheme_code == scheme_code,
        Enrollment.year == year,
        Enrollment.unit_code.startswith(unit_prefix(unit_code)),
    )
    if state is not None:
        query = query.where(Enrollment.state == state.value)
    rows = await uow.session.scalars(query.order_by(Enrollment.unit_code, Enrollment.registered_at))
    return [EnrollmentRead.model_validate(e) for e in rows]


async def history(
    uow: UnitOfWork, user: Principal, enrollment_id: uuid.UUID
) -> list[TransitionRead]:
    """The audit trail of an enrollment, oldest first."""
    await _visible(uow, user, enrollment_id)
    rows = await uow.session.scalars(
        select(EnrollmentTransition)
        .where(EnrollmentTransition.enrollment_id == enrollment_id)
        .order_by(EnrollmentTransition.id)
    )
    return [TransitionRead.model_validate(t) for t in rows]


async def act(
    uow: UnitOfWork, user: Principal, enrollment_id: uuid.UUID, body: TransitionRequest
) -> EnrollmentRead:
    """Apply a lifecycle action (interrupt, resume, seal, flag duplicate, terminate …)."""
    enrollment = await _visible(uow, user, enrollment_id, lock=True)
    access.require(user, access.OFFICERS, enrollment.unit_code)
    before = _standing(enrollment)
    with domain_rules("action"):
        audit.move(
            uow,
            enrollment,
            EnrollmentAction(body.action),
            user.subject,
            body.reason,
            datetime.now(UTC),
        )
    await _count(uow, enrollment, before)
    await uow.commit()
    return EnrollmentRead.model_validate(enrollment)


async def close_window(
    uow: UnitOfWork, user: Principal, scheme_code: str, year: int, now: datetime
) -> WindowClosed:
    """After the window: every registered or resumed person not yet paid falls into arrears."""
    access.require(user, access.PLANNERS, user.jurisdiction)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(uow.session, user.jurisdiction, scheme_code, year)
    )
    ends = window_closes(policy)
    if ends is not None and local_date(now) <= ends:
        raise Conflict(
            f"The collection window of {scheme_code} {year} runs until {ends}: the unpaid "
            f"fall into arrears only after it, from {ends + timedelta(days=1)}.",
            code="window_open",
        )

    open_states = [EnrollmentState.REGISTERED.value, EnrollmentState.RESUMED.value]
    rows = (
        await uow.session.scalars(
            select(Enrollment)
            .where(
                Enrollment.scheme_code == scheme_code,
                Enrollment.year == year,
                Enrollment.state.in_(open_states),
                Enrollment.unit_code.startswith(identifiers.unit_prefix(user.jurisdiction)),
            )
            .order_by(Enrollment.id)
            .with_for_update()
        )
    ).all()
    for enrollment in rows:
        audit.move(
            uow, enrollment, EnrollmentAction.CLOSE_WINDOW, user.subject, "window closed", now
        )
    await uow.commit()
    return WindowClosed(scheme_code=scheme_code, year=year, moved_to_unpaid=len(rows))


async def _visible(
    uow: UnitOfWork, user: Principal, enrollment_id: uuid.UUID, lock: bool = False
) -> Enrollment:
    access.require(user, access.READERS)
    enrollment = await uow.session.get(Enrollment, enrollment_id, with_for_update=lock)
    if enrollment is None:
        raise NotFound(f"No enrollment {enrollment_id}.")
    access.visible_or_404(user, enrollment.unit_code, f"enrollment {enrollment_id}")
    return enrollment


def _columns(enrollment: Enrollment) -> dict[str, Any]:
    return {c.key: getattr(enrollment, c.key) for c in Enrollment.__table__.columns}


def _already_enrolled() -> Conflict:
    return Conflict("The person is already enrolled in this scheme-year.", field="person_id")


def _standing(enrollment: Enrollment) -> tally.Standing:
    return tally.standing(enrollment.state, enrollment.counted, enrollment.deposited)


async def _count(uow: UnitOfWork, enrollment: Enrollment, before: tally.Standing) -> None:
    """Move the live progress figures by what this enrollment's change moved."""
    shifts = tally.Shifts()
    shifts.move(
        enrollment.scheme_code, enrollment.year, enrollment.unit_code, before, _standing(enrollment)
    )
    events: list[Event] = []
    await tally.apply(uow, shifts, events)
    await uow.emit_all(events)
