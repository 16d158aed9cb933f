"""Correcting a person's facts, which settles their enrollments again.

Tags and status decide who pays a premium: a person found to be 低保 after enrolling may
owe less, or nothing more. The correction and the settlement it causes are one
transaction. A correction does not end an enrollment the new facts make ineligible (now
in the employee scheme, say): an officer terminates it, audited like any move.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from libs.common.pii import PiiVault
from services.enrollment import access
from services.enrollment.enrollments import settlement
from services.enrollment.persons.models import Person
from services.enrollment.persons.schemas import PersonRead, PersonUpdate
from services.enrollment.persons.service import person_read


async def update_person(
    uow: UnitOfWork, user: Principal, vault: PiiVault, person_id: uuid.UUID, body: PersonUpdate
) -> PersonRead:
    """Correct a person's facts; their live enrollments are settled again under the new
    facts (`settlement.resettle_person`)."""
    access.require(user, access.OFFICERS)
    person = await uow.session.get(Person, person_id, with_for_update=True)
    if person is None:
        raise NotFound(f"No person {person_id}.")
    access.visible_or_404(user, person.unit_code, f"person {person_id}")
    access.require(user, access.OFFICERS, person.unit_code)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise RuleViolation("Give at least one fact to change.")
    for name, value in changes.items():
        if value is None:
            raise RuleViolation(f"{name} cannot be emptied.", field=name)
        setattr(person, name, sorted(set(value)) if name == "tags" else value)
    person.updated_at, person.updated_by = datetime.now(UTC), user.subject
    await uow.session.flush()
    await settlement.resettle_person(uow, person.id, user.subject, person.updated_at)
    await uow.commit()
    return person_read(vault, person)
