"""Scoring use cases fed by events, and the unit payment counts: each commits once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from libs.common.auth import Principal, ensure_covers
from libs.common.db import UnitOfWork
from libs.common.events.envelope import Envelope, Event
from services.scoring import pending
from services.scoring.credit import items as credit_items
from services.scoring.derivation import effects_of
from services.scoring.models import UnitPaymentTally
from services.scoring.schemas import PaymentTallyRead, UnitPaymentsRead


async def apply_event(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """Apply an event: credit items now (idempotently); the event log, tallies, metrics and
    ranks of the whole transaction at commit (see `pending`)."""
    effects = effects_of(event, envelope.id)
    if effects.entity is not None:
        await credit_items.know_entity(uow, effects.entity)
    if effects.item is not None:
        await credit_items.record_item(uow, effects.item)
    pending.defer(uow.session, envelope, effects.tally, effects.change)
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
