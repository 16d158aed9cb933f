"""Reversals (冲正): compensating entries that name the original; nothing is deleted."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from libs.common.db import UnitOfWork, among, table_of
from services.enrollment.domain.ledger import reversal_refusal
from services.enrollment.domain.ledger_records import LedgerEntry, Notice, Source
from services.enrollment.payments.models import Payment
from services.enrollment.payments.notices import Outcome

L = table_of(Payment)


async def rows(
    uow: UnitOfWork,
    source: Source,
    notices: list[Notice],
    outcomes: dict[int, Outcome],
    now: datetime,
) -> list[LedgerEntry]:
    """The compensating entries of reversal notices; refused ones get a `rejected` outcome."""
    if not notices:
        return []
    originals = await _originals(uow, source.partner_id, {n.original_txn or "" for n in notices})
    taken = await _already_reversed(uow, {o.id for o in originals.values()})
    result = []
    for n in notices:
        original = originals.get(n.original_txn or "")
        problem = reversal_refusal(n, original, taken)
        if problem is not None:
            outcomes[n.line_no] = Outcome(n.line_no, n.txn, "rejected", *problem)
            continue
        assert original is not None
        taken.add(original.id)
        result.append(_reversal(source, n, original))
    return result


def _reversal(source: Source, n: Notice, original: LedgerEntry) -> LedgerEntry:
    posted = original.status == "posted"
    return LedgerEntry(
        id=uuid.uuid4(),
        partner_id=source.partner_id,
        partner_txn_id=n.txn,
        kind="reversal",
        status="posted",
        reverses_id=original.id,
        enrollment_id=original.enrollment_id if posted else None,
        person_key=original.person_key,
        resident_id_enc=None,
        unit_code=original.unit_code,
        scheme_code=original.scheme_code,
        year=original.year,
        tier=original.tier,
        amount=n.amount,
        paid_at=n.paid_at,
        deposited_at=n.paid_at,
        channel=source.channel,
        note=n.note,
        line_no=n.line_no,
        original_txn=original.partner_txn_id,
    )


async def _originals(uow: UnitOfWork, partner_id: str, txns: set[str]) -> dict[str, LedgerEntry]:
    found = await uow.session.execute(
        select(L).where(L.c.partner_id == partner_id, among(L.c.partner_txn_id, txns))
    )
    return {r.partner_txn_id: LedgerEntry.from_columns(dict(r._mapping)) for r in found}


async def _already_reversed(uow: UnitOfWork, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    found = await uow.session.scalars(select(L.c.reverses_id).where(among(L.c.reverses_id, ids)))
    return {i for i in found if i is not None}
