"""Scoring use cases fed by events, and the unit payment counts: each commits once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.auth import Principal, ensure_covers
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.events.catalogue.grid import EntityUpserted
from libs.common.events.envelope import Envelope, Event
from services.scoring.credit import items as credit_items
from services.scoring.credit.models import CreditEntity
from services.scoring.eventlog import service as eventlog
from services.scoring.models import UnitPaymentTally
from services.scoring.rankings import metrics
from services.scoring.rankings.changes import change_of
from services.scoring.schemas import PaymentTallyRead, UnitPaymentsRead


async def apply_event(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """Log an event and apply it: credit items, campaign metrics, ranks, tallies."""
    await eventlog.record(uow, envelope)
    await derive(uow, event, envelope, emit=True)
    await uow.commit()


async def derive(uow: UnitOfWork, event: Event, envelope: Envelope, *, emit: bool) -> None:
    """Everything scoring derives from one event (the rebuild replays exactly this)."""
    if isinstance(event, PaymentRecorded):
        await tally_payment(uow, event)
    if isinstance(event, EntityUpserted):
        await _know_entity(uow, event)
    await credit_items.record_item(uow, event, envelope, emit=emit)
    change = change_of(event)
    if change is not None:
        await metrics.apply_change(uow, change)


async def _know_entity(uow: UnitOfWork, event: EntityUpserted) -> None:
    entity = await uow.session.get(CreditEntity, event.credit_code, with_for_update=True)
    if entity is None:
        uow.session.add(
            CreditEntity(credit_code=event.credit_code, unit_code=event.unit_code, name=event.name)
        )
    else:
        entity.unit_code, entity.name = event.unit_code, event.name


async def tally_payment(uow: UnitOfWork, event: PaymentRecorded) -> None:
    """Add one recorded payment to its unit's tally (no commit)."""
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


async def count_payment(uow: UnitOfWork, event: PaymentRecorded) -> None:
    """Add one recorded payment to its unit's tally."""
    await tally_payment(uow, event)
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
