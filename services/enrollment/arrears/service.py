"""Enterprise arrears use cases: assess, pay (late fee counted, or deferred during a
campaign), clear, list, and audit a declared contribution base."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound
from libs.common.events.catalogue.enrollment import ArrearsAssessed, ArrearsCleared
from services.enrollment import access
from services.enrollment.arrears.models import EnterpriseArrears
from services.enrollment.arrears.schemas import (
    ArrearsCreate,
    ArrearsPayment,
    ArrearsRead,
    BaseAuditRead,
    BaseAuditRequest,
)
from services.enrollment.domain.arrears import (
    ArrearsBalance,
    LateFee,
    apply_payment,
    assess_arrears,
    audit_contribution_base,
    open_balance,
)
from services.enrollment.domain.arrears_status import (
    OPENING_STATE,
    action_of,
    require_payable,
    state_of,
    stored_status,
    transition,
)
from services.enrollment.domain.dates import local_date
from services.enrollment.domain.policy import SchemePolicy
from services.enrollment.errors import domain_rules, state_conflicts
from services.enrollment.schemes import service as schemes
from services.enrollment.units import service as units

DUPLICATE = "Arrears for this enterprise, scheme and period are already assessed."


async def assess(uow: UnitOfWork, user: Principal, body: ArrearsCreate) -> ArrearsRead:
    """Assess an enterprise's arrears for a period (emits `arrears.assessed`)."""
    access.require(user, access.PLANNERS, body.unit_code)
    await units.require_unit(uow.session, body.unit_code)
    policy = await _policy(uow, body.unit_code, body.scheme_code, body.year)
    now = datetime.now(UTC)
    with domain_rules("scheme_code"):
        owed = assess_arrears(body.credit_code, body.period, body.due, body.paid)
        balance, fee = open_balance(
            policy, owed, body.due_date, body.assessed_on or local_date(now)
        )
    if owed.outstanding == 0:
        raise Conflict("Nothing is outstanding for this period.", field="paid")
    row = EnterpriseArrears(
        id=uuid.uuid4(),
        credit_code=body.credit_code,
        unit_code=body.unit_code,
        scheme_code=body.scheme_code,
        year=body.year,
        period=body.period,
        status=stored_status(OPENING_STATE),
        assessed_at=now,
    )
    _store(row, balance, fee)
    uow.session.add(row)
    uow.emit(
        ArrearsAssessed(
            arrears_id=row.id,
            credit_code=row.credit_code,
            unit_code=row.unit_code,
            scheme=row.scheme_code,
            year=row.year,
            amount_due=owed.outstanding,
            late_fee_deferred=balance.fee_deferred > 0,
            assessed_at=now,
        )
    )
    try:  # the unique key, not a prior read, decides between concurrent assessments
        await uow.session.flush()
    except IntegrityError as exc:
        raise Conflict(DUPLICATE, field="period") from exc
    await uow.commit()
    return _read(row)


async def pay(
    uow: UnitOfWork, user: Principal, arrears_id: uuid.UUID, body: ArrearsPayment
) -> ArrearsRead:
    """Record a back-payment; once contributions and the late fee due are paid the arrears
    are cleared (emits `arrears.cleared`); a fee deferred during a campaign is not due."""
    row = await uow.session.get(EnterpriseArrears, arrears_id, with_for_update=True)
    if row is None or not user.covers(row.unit_code):
        raise NotFound(f"No arrears {arrears_id} in your jurisdiction.")
    access.require(user, access.PLANNERS, row.unit_code)
    current = state_of(row.status, row.late_fee_deferred)
    with state_conflicts():
        require_payable(current)
    policy = await _policy(uow, row.unit_code, row.scheme_code, row.year)
    now = datetime.now(UTC)
    with domain_rules("paid_on"):
        applied = apply_payment(policy, _balance(row), body.amount, body.paid_on or local_date(now))
    with state_conflicts():
        status = stored_status(transition(current, action_of(applied.balance)))
    _store(row, applied.balance, applied.late_fee, applied.reason.text)
    if status != row.status:  # the payment cleared open arrears
        row.status, row.cleared_at = status, now
        uow.emit(
            ArrearsCleared(
                arrears_id=row.id,
                credit_code=row.credit_code,
                unit_code=row.unit_code,
                scheme=row.scheme_code,
                year=row.year,
                amount_paid=row.paid + row.late_fee_paid,
                cleared_at=now,
            )
        )
    await uow.commit()
    return _read(row)


@dataclass(frozen=True)
class ArrearsFilter:
    """Which arrears a list shows; None leaves a criterion out."""

    status: str | None = None
    credit_code: str | None = None
    period: str | None = None
    deferred_fee: bool | None = None


async def list_arrears(
    uow: UnitOfWork, user: Principal, unit_code: str, only: ArrearsFilter = ArrearsFilter()
) -> list[ArrearsRead]:
    """Arrears in a unit's subtree (403 outside the caller's jurisdiction)."""
    access.require(user, access.READERS, unit_code)
    A = EnterpriseArrears
    query = select(A).where(A.unit_code.startswith(identifiers.unit_prefix(unit_code)))
    if only.status is not None:
        query = query.where(A.status == only.status)
    if only.credit_code is not None:
        query = query.where(A.credit_code == only.credit_code)
    if only.period is not None:
        query = query.where(A.period == only.period)
    if only.deferred_fee is not None:
        query = query.where((A.late_fee_deferred > 0) == only.deferred_fee)
    rows = await uow.session.scalars(query.order_by(A.credit_code, A.period))
    return [_read(r) for r in rows]


async def audit_base(uow: UnitOfWork, user: Principal, body: BaseAuditRequest) -> BaseAuditRead:
    """Check a declared contribution base against the policy's minimum; writes nothing."""
    access.require(user, access.PLANNERS, body.unit_code)
    policy = await _policy(uow, body.unit_code, body.scheme_code, body.year)
    with domain_rules("scheme_code"):
        audit = audit_contribution_base(policy, body.declared_base)
    return BaseAuditRead(
        credit_code=body.credit_code,
        scheme_code=body.scheme_code,
        year=body.year,
        flagged=audit.flagged,
        declared_base=audit.declared,
        minimum_base=audit.minimum,
        shortfall=audit.shortfall,
        rule_code=audit.reason.code,
        rule_text=audit.reason.text,
    )


async def _policy(uow: UnitOfWork, unit_code: str, scheme_code: str, year: int) -> SchemePolicy:
    """The policy of the scheme-year of the region covering the enterprise's unit."""
    row = await schemes.require_scheme_year(uow.session, unit_code, scheme_code, year)
    return schemes.policy_of(row)


def _balance(row: EnterpriseArrears) -> ArrearsBalance:
    return ArrearsBalance(
        due=row.due,
        paid=row.paid,
        due_date=row.due_date,
        as_of=row.late_fee_as_of,
        fee_accrued=row.late_fee_accrued,
        fee_deferred=row.late_fee_deferred,
        fee_paid=row.late_fee_paid,
        deferred_until=row.deferred_until,
    )


def _store(
    row: EnterpriseArrears, balance: ArrearsBalance, fee: LateFee, note: str | None = None
) -> None:
    row.due, row.paid, row.due_date = balance.due, balance.paid, balance.due_date
    row.late_fee_as_of = balance.as_of
    row.late_fee_accrued = balance.fee_accrued
    row.late_fee_deferred = balance.fee_deferred
    row.late_fee_paid = balance.fee_paid
    row.late_fee_payable = balance.fee_payable
    row.deferred_until = balance.deferred_until
    row.late_fee_reason = (f"{fee.reason.text}; {note}" if note else fee.reason.text)[:200]


def _read(row: EnterpriseArrears) -> ArrearsRead:
    balance = _balance(row)
    fields = {c: getattr(row, c) for c in ArrearsRead.model_fields if hasattr(row, c)}
    return ArrearsRead.model_validate(
        fields | {"outstanding": balance.outstanding, "amount_to_clear": balance.to_clear}
    )
