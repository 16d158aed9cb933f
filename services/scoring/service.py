"""Scoring use cases: each takes a unit of work and commits once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.auth import Principal, ensure_covers
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.enrollment import PaymentRecorded
from services.scoring.models import UnitPaymentTally
from services.scoring.schemas import PaymentTallyRead, UnitPaymentsRead


async def count_payment(uow: UnitOfWork, event: PaymentRecorded) -> None:
    """Add one recorded payment to its unit's tally."""
    stmt = pg_insert(UnitPaymentTally).values(
        unit_code=event.unit_code,
        scheme_code=event.scheme,
        year=event.year,
        payments=1,
        amount=event.amount,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["unit_code", "scheme_code", "year"],
        set_={
            "payments": UnitPaymentTally.payments + 1,
            "amount": UnitPaymentTally.amount + event.amount,
        },
    )
    await uow.session.execute(stmt)
    await uow.commit()


async def unit_payments(uow: UnitOfWork, user: Principal, unit_code: str) -> UnitPaymentsRead:
    """The payments counted for a unit (its own tallies, not its subtree)."""
    ensure_covers(user, unit_code)
    tallies = (
        await uow.session.scalars(
            select(UnitPaymentTally)
            .where(UnitPaymentTally.unit_code == unit_code)
            .order_by(UnitPaymentTally.scheme_code, UnitPaymentTally.year)
        )
    ).all()
    return UnitPaymentsRead(
        unit_code=unit_code,
        payments=sum(t.payments for t in tallies),
        amount=sum((t.amount for t in tallies), Decimal("0")),
        by_scheme=[PaymentTallyRead.model_validate(t) for t in tallies],
    )
