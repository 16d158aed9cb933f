"""Enterprise arrears use cases: assess (late fee deferred during a campaign), pay, clear."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound
from libs.common.events.catalogue.enrollment import ArrearsAssessed, ArrearsCleared
from services.enrollment import access
from services.enrollment.arrears.models import EnterpriseArrears
from services.enrollment.arrears.schemas import ArrearsCreate, ArrearsPayment, ArrearsRead
from services.enrollment.domain.arrears import accrue_late_fee, assess_arrears
from services.enrollment.domain.dates import local_date
from services.enrollment.errors import domain_rules
from services.enrollment.schemes import service as schemes
from services.enrollment.units import service as units


async def assess(uow: UnitOfWork, user: Principal, body: ArrearsCreate) -> ArrearsRead:
    """Assess an enterprise's arrears for a period (emits `arrears.assessed`)."""
    access.require(user, access.PLANNERS, body.unit_code)
    await units.require_unit(uow.session, body.unit_code)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(uow.session, body.scheme_code, body.year)
    )
    now = datetime.now(UTC)
    on = body.assessed_on or local_date(now)
    with domain_rules("scheme_code"):
        owed = assess_arrears(body.credit_code, body.period, body.due, body.paid)
        fee = accrue_late_fee(policy, owed.outstanding, body.due_date, on)
    if owed.outstanding == 0:
        raise Conflict("Nothing is outstanding for this period.", field="paid")
    row = EnterpriseArrears(
        id=uuid.uuid4(),
        credit_code=body.credit_code,
        unit_code=body.unit_code,
        scheme_code=body.scheme_code,
        year=body.year,
        period=body.period,
        due=body.due,
        paid=body.paid,
        due_date=body.due_date,
        late_fee_accrued=fee.accrued,
        late_fee_payable=fee.payable_now,
        late_fee_deferred=fee.deferred,
        deferred_until=fee.deferred_until,
        late_fee_reason=fee.reason.text[:200],
        status="open",
        assessed_at=now,
    )
    if await _existing(uow, body) is not None:
        raise Conflict("Arrears for this enterprise, scheme and period are already assessed.")
    uow.session.add(row)
    uow.emit(
        ArrearsAssessed(
            arrears_id=row.id,
            credit_code=row.credit_code,
            unit_code=row.unit_code,
            scheme=row.scheme_code,
            year=row.year,
            amount_due=owed.outstanding,
            late_fee_deferred=fee.deferred > 0,
            assessed_at=now,
        )
    )
    await uow.commit()
    return _read(row)


async def pay(
    uow: UnitOfWork, user: Principal, arrears_id: uuid.UUID, body: ArrearsPayment
) -> ArrearsRead:
    """Record a back-payment; arrears paid off are cleared (emits `arrears.cleared`)."""
    row = await uow.session.get(EnterpriseArrears, arrears_id, with_for_update=True)
    if row is None or not user.covers(row.unit_code):
        raise NotFound(f"No arrears {arrears_id} in your jurisdiction.")
    access.require(user, access.PLANNERS, row.unit_code)
    if row.status == "cleared":
        raise Conflict("These arrears are already cleared.")
    row.paid = row.paid + body.amount
    if row.paid >= row.due:
        row.status, row.cleared_at = "cleared", datetime.now(UTC)
        uow.emit(
            ArrearsCleared(
                arrears_id=row.id,
                credit_code=row.credit_code,
                unit_code=row.unit_code,
                scheme=row.scheme_code,
                year=row.year,
                amount_paid=row.paid,
                cleared_at=row.cleared_at,
            )
        )
    await uow.commit()
    return _read(row)


async def list_arrears(uow: UnitOfWork, user: Principal, unit_code: str) -> list[ArrearsRead]:
    """Arrears in a unit's subtree."""
    access.require(user, access.READERS, unit_code)
    rows = await uow.session.scalars(
        select(EnterpriseArrears)
        .where(EnterpriseArrears.unit_code.startswith(identifiers.unit_prefix(unit_code)))
        .order_by(EnterpriseArrears.credit_code, EnterpriseArrears.period)
    )
    return [_read(r) for r in rows]


async def _existing(uow: UnitOfWork, body: ArrearsCreate) -> uuid.UUID | None:
    return await uow.session.scalar(
        select(EnterpriseArrears.id).where(
            EnterpriseArrears.credit_code == body.credit_code,
            EnterpriseArrears.scheme_code == body.scheme_code,
            EnterpriseArrears.year == body.year,
            EnterpriseArrears.period == body.period,
        )
    )


def _read(row: EnterpriseArrears) -> ArrearsRead:
    return ArrearsRead.model_validate(
        {c: getattr(row, c) for c in ArrearsRead.model_fields if c != "outstanding"}
        | {"outstanding": max(row.due - row.paid, Decimal(0))}
    )
