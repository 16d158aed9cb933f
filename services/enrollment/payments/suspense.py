"""The suspense queue: payments that matched no enrollment wait here for a clerk."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from services.enrollment import access
from services.enrollment.domain.ledger import suspense_reason
from services.enrollment.domain.ledger_records import EnrollmentTarget
from services.enrollment.domain.suspense import PaymentStatus, SuspenseAction, status_of
from services.enrollment.domain.suspense import resolve as resolve_status
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.errors import state_conflicts
from services.enrollment.identity import enrollment_id_of
from services.enrollment.payments import entries, ledger, reads
from services.enrollment.payments.models import Payment
from services.enrollment.payments.schemas import PaymentRead, SuspenseResolve

UNMATCHABLE = {
    "no_enrollment": "No such enrollment to match in your jurisdiction.",
    "enrollment_closed": "The enrollment is closed.",
    "enrollment_mismatch": "The enrollment is for another scheme-year.",
}
"""What a clerk is told for each reason a payment cannot be posted to the enrollment."""


async def list_suspense(uow: UnitOfWork, user: Principal, unit_code: str) -> list[PaymentRead]:
    """Payments waiting in suspense in a unit's subtree, oldest first."""
    access.require(user, access.READERS, unit_code)
    reversal = aliased(Payment)
    ids = await uow.session.scalars(
        select(Payment.id)
        .where(
            Payment.status == PaymentStatus.SUSPENSE.value,
            Payment.unit_code.startswith(identifiers.unit_prefix(unit_code)),
            ~exists().where(reversal.reverses_id == Payment.id),
        )
        .order_by(Payment.recorded_at)
    )
    found = list(ids)
    entries = await reads.read_many(uow, set(found))
    return [entries[i].model_copy(update={"outcome": "suspense"}) for i in found]


async def resolve(
    uow: UnitOfWork, user: Principal, payment_id: uuid.UUID, body: SuspenseResolve
) -> PaymentRead:
    """Match a suspense payment to an enrollment (it is then recorded), or return it."""
    payment = await uow.session.get(Payment, payment_id, with_for_update=True)
    if payment is None or not user.covers(payment.unit_code):
        raise NotFound(f"No suspense payment {payment_id} in your jurisdiction.")
    access.require(user, access.OFFICERS, payment.unit_code)
    reversed_by_partner = payment.status == PaymentStatus.SUSPENSE and bool(
        await uow.session.scalar(select(Payment.id).where(Payment.reverses_id == payment_id))
    )
    with state_conflicts():
        status = resolve_status(
            payment_id,
            status_of(payment.status, reversed_by_partner),
            SuspenseAction(body.action),
        )
    now = datetime.now(UTC)
    payment.resolved_by, payment.resolved_at = user.subject, now
    payment.note = body.note or payment.note
    if status is PaymentStatus.RETURNED:
        payment.status = status.value
        await uow.commit()
        return await reads.read_one(uow, payment.id, "returned")
    enrollment = await _target(uow, user, payment, body.enrollment_id)
    payment.status, payment.enrollment_id = status.value, enrollment.id
    payment.person_key, payment.unit_code = enrollment.person_key, enrollment.unit_code
    await uow.session.flush()
    await ledger.settle_and_announce(uow, user.subject, now, [entries.entry_of(payment)], [])
    await uow.commit()
    return await reads.read_one(uow, payment.id, "recorded")


async def _target(
    uow: UnitOfWork, user: Principal, payment: Payment, chosen: uuid.UUID | None
) -> Enrollment:
    if chosen is None and payment.person_key is not None:
        chosen = enrollment_id_of(payment.person_key, payment.scheme_code, payment.year)
    enrollment = await uow.session.get(Enrollment, chosen) if chosen else None
    if enrollment is not None and not user.covers(enrollment.unit_code):
        enrollment = None
    target = None if enrollment is None else _target_of(enrollment)
    reason = suspense_reason(payment.scheme_code, payment.year, target)
    if reason is not None:
        raise RuleViolation(UNMATCHABLE[reason], field="enrollment_id", code=reason)
    assert enrollment is not None
    return enrollment


def _target_of(enrollment: Enrollment) -> EnrollmentTarget:
    return EnrollmentTarget(
        enrollment.id,
        enrollment.state,
        enrollment.unit_code,
        enrollment.person_key,
        enrollment.scheme_code,
        enrollment.year,
    )
