"""Ledger entries as the API shows them."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import aliased

from libs.common.db import UnitOfWork, among
from services.enrollment.payments.models import Payment
from services.enrollment.payments.schemas import Outcome, PaymentRead

ORIGINAL = aliased(Payment, name="original")
"""The entry a reversal reverses. Built once: an alias made per call builds its column
collection anew each time, a fifth of a one-payment webhook batch."""


async def read_many(uow: UnitOfWork, ids: set[uuid.UUID]) -> dict[uuid.UUID, PaymentRead]:
    """The API form of ledger entries (the outcome is the caller's to set)."""
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(Payment, ORIGINAL.partner_txn_id)
        .outerjoin(ORIGINAL, ORIGINAL.id == Payment.reverses_id)
        .where(among(Payment.id, ids))
    )
    return {p.id: entry_read(p, reverses) for p, reverses in rows}


def entry_read(p: Payment, reverses: str | None) -> PaymentRead:
    """One ledger entry as the API shows it, provisionally as `recorded`."""
    return PaymentRead(
        id=p.id,
        kind=p.kind,
        status=p.status,
        enrollment_id=p.enrollment_id,
        partner_id=p.partner_id,
        transaction_id=p.partner_txn_id,
        reverses_transaction_id=reverses,
        unit_code=p.unit_code,
        scheme_code=p.scheme_code,
        year=p.year,
        amount=p.amount,
        paid_at=p.paid_at,
        deposited_at=p.deposited_at,
        channel=p.channel,
        note=p.note,
        outcome="recorded",
    )


async def read_one(uow: UnitOfWork, payment_id: uuid.UUID, outcome: Outcome) -> PaymentRead:
    """One entry, with the outcome of the delivery at hand."""
    entry = (await read_many(uow, {payment_id}))[payment_id]
    return entry.model_copy(update={"outcome": outcome})
