"""The suspense queue: payments that matched no enrollment wait here for a clerk."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound, RuleViolation
from services.enrollment import access
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.identity import enrollment_id_of
from services.enrollment.payments import ledger, reads
from services.enrollment.payments.models import Payment
from services.enrollment.payments.schemas import PaymentRead, SuspenseResolve

_CLOSED = {"duplicate", "terminated"}


async def list_suspense(uow: UnitOfWork, user: Principal, unit_code: str) -> list[PaymentRead]:
    """Payments waiting in suspense in a unit's subtree, oldest first."""
    access.require(user, access.READERS, unit_code)
    reversal = aliased(Payment)
    ids = await uow.session.scalars(
        select(Payment.id)
        .where(
            Payment.status == "suspense",
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
    if payment.status != "suspense":
        raise Conflict(f"Payment {payment_id} is {payment.status}, not in suspense.")
    if await uow.session.scalar(select(Payment.id).where(Payment.reverses_id == payment_id)):
        raise Conflict(f"Payment {payment_id} was reversed by the partner.")
    now = datetime.now(UTC)
    payment.resolved_by, payment.resolved_at = user.subject, now
    payment.note = body.note or payment.note
    if body.action == "return":
        payment.status = "returned"
        await uow.commit()
        return await reads.read_one(uow, payment.id, "returned")
    enrollment = await _target(uow, user, payment, body.enrollment_id)
    payment.status, payment.enrollment_id = "posted", enrollment.id
    payment.person_key, payment.unit_code = enrollment.person_key, enrollment.unit_code
    await uow.session.flush()
    await ledger.settle_and_announce(uow, user.subject, now, [_row(payment)], [])
    await uow.commit()
    return await reads.read_one(uow, payment.id, "recorded")


async def _target(
    uow: UnitOfWork, user: Principal, payment: Payment, chosen: uuid.UUID | None
) -> Enrollment:
    if chosen is None and payment.person_key is not None:
        chosen = enrollment_id_of(payment.person_key, payment.scheme_code, payment.year)
    enrollment = await uow.session.get(Enrollment, chosen) if chosen else None
    if enrollment is None or not user.covers(enrollment.unit_code):
        raise RuleViolation(
            "No such enrollment to match in your jurisdiction.",
            field="enrollment_id",
            code="no_enrollment",
        )
    if enrollment.state in _CLOSED:
        raise RuleViolation(
            "The enrollment is closed.", field="enrollment_id", code="enrollment_closed"
        )
    if (enrollment.scheme_code, enrollment.year) != (payment.scheme_code, payment.year):
        raise RuleViolation(
            "The enrollment is for another scheme-year.",
            field="enrollment_id",
            code="enrollment_mismatch",
        )
    return enrollment


def _row(p: Payment) -> dict[str, Any]:
    return {
        name: getattr(p, name)
        for name in (
            "id",
            "enrollment_id",
            "partner_id",
            "partner_txn_id",
            "person_key",
            "unit_code",
            "scheme_code",
            "year",
            "tier",
            "amount",
            "paid_at",
            "deposited_at",
            "channel",
            "status",
        )
    }
