"""Every lifecycle move is audited (a transition row) and emitted (an event)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from libs.common.db import UnitOfWork
from libs.common.events.catalogue.enrollment import EnrollmentState as EventState
from libs.common.events.catalogue.enrollment import EnrollmentStatusChanged, PersonEnrolled
from services.enrollment.domain.lifecycle import EnrollmentAction, EnrollmentState, transition
from services.enrollment.enrollments.models import Enrollment, EnrollmentTransition


def move(
    uow: UnitOfWork,
    enrollment: Enrollment,
    action: EnrollmentAction,
    actor: str,
    reason: str | None,
    at: datetime,
    *,
    emit: bool = True,
) -> None:
    """Apply `action` to a loaded enrollment: new state, audit row and (unless told) an event."""
    before = enrollment.state
    enrollment.state = transition(EnrollmentState(before), action).value
    enrollment.updated_at = at
    uow.session.add(
        EnrollmentTransition(
            **trail(enrollment.id, action, before, enrollment.state, actor, reason, at)
        )
    )
    if emit:
        uow.emit(
            changed(
                enrollment.id,
                enrollment.person_key,
                enrollment.unit_code,
                enrollment.scheme_code,
                enrollment.year,
                before,
                enrollment.state,
                reason,
                at,
            )
        )


def trail(
    enrollment_id: Any,
    action: EnrollmentAction,
    before: str,
    after: str,
    actor: str,
    reason: str | None,
    at: datetime,
) -> dict[str, Any]:
    """The values of one audit row."""
    return {
        "enrollment_id": enrollment_id,
        "action": action.value,
        "from_state": before,
        "to_state": after,
        "actor": actor,
        "reason": reason,
        "at": at,
    }


def changed(
    enrollment_id: Any,
    person_key: str,
    unit_code: str,
    scheme: str,
    year: int,
    before: str,
    after: str,
    reason: str | None,
    at: datetime,
) -> EnrollmentStatusChanged:
    """The event of one lifecycle move."""
    return EnrollmentStatusChanged(
        enrollment_id=enrollment_id,
        person_key=person_key,
        unit_code=unit_code,
        scheme=scheme,
        year=year,
        from_state=EventState(before),
        to_state=EventState(after),
        reason=reason,
        changed_at=at,
    )


def enrolled_event(enrollment: Mapping[str, Any], at: datetime) -> PersonEnrolled:
    """`person.enrolled` of a new enrollment (its column values)."""
    return PersonEnrolled(
        enrollment_id=enrollment["id"],
        person_key=enrollment["person_key"],
        unit_code=enrollment["unit_code"],
        scheme=enrollment["scheme_code"],
        year=enrollment["year"],
        tier=enrollment["tier"],
        state=EventState(enrollment["state"]),
        subsidy_category=enrollment["subsidy_category"],
        enrolled_at=at,
    )
