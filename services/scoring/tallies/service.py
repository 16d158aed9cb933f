"""Unit payment tallies: added to by payment events (set-based, per batch), read per unit."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, ensure_covers
from libs.common.db import UnitOfWork
from services.scoring.derivation import TallyDelta
from services.scoring.tallies.models import UnitPaymentTally
from services.scoring.tallies.schemas import PaymentTallyRead, UnitPaymentsRead

_ADD = text(
    """
    INSERT INTO unit_payment_tally AS t (unit_code, scheme_code, year, payments, amount)
    SELECT * FROM unnest(CAST(:units AS text[]), CAST(:schemes AS text[]),
                         CAST(:years AS int[]), CAST(:payments AS int[]),
                         CAST(:amounts AS numeric[]))
    ON CONFLICT (unit_code, scheme_code, year)
    DO UPDATE SET payments = t.payments + excluded.payments, amount = t.amount + excluded.amount
    """
)

TallySums = dict[tuple[str, str, int], list[Decimal]]


def sum_tallies(deltas: Sequence[TallyDelta], sums: TallySums | None = None) -> TallySums:
    """Payment deltas summed per unit, scheme and year (added to `sums`, if given)."""
    summed = sums if sums is not None else {}
    for d in deltas:
        total = summed.setdefault((d.unit_code, d.scheme, d.year), [Decimal(0), Decimal(0)])
        total[0] += d.payments
        total[1] += d.amount
    return summed


async def add_tallies(session: AsyncSession, deltas: Sequence[TallyDelta]) -> None:
    """Add payment deltas to their units' tallies, in one statement."""
    await write_tallies(session, sum_tallies(deltas))


async def write_tallies(session: AsyncSession, summed: TallySums) -> None:
    """Add summed payments to their units' tallies, in one statement (units in key order,
    so that concurrent batches lock shared rows in one order)."""
    if not summed:
        return
    keys = sorted(summed)
    await session.execute(
        _ADD,
        {
            "units": [k[0] for k in keys],
            "schemes": [k[1] for k in keys],
            "years": [k[2] for k in keys],
            "payments": [int(summed[k][0]) for k in keys],
            "amounts": [summed[k][1] for k in keys],
        },
    )


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
