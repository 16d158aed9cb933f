"""Reversals (冲正): compensating entries that name the original; nothing is deleted."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from libs.common.db import UnitOfWork, among, table_of
from services.enrollment.payments.models import Payment
from services.enrollment.payments.notices import Notice, Outcome

if TYPE_CHECKING:
    from services.enrollment.payments.ledger import Source

L = table_of(Payment)


async def rows(
    uow: UnitOfWork,
    source: Source,
    notices: list[Notice],
    outcomes: dict[int, Outcome],
    now: datetime,
) -> list[dict[str, Any]]:
    """The compensating rows of reversal notices; refused ones get a `rejected` outcome."""
    if not notices:
        return []
    originals = await _originals(uow, source.partner_id, {n.original_txn or "" for n in notices})
    taken = await _already_reversed(uow, {o.id for o in originals.values()})
    result = []
    for n in notices:
        original = originals.get(n.original_txn or "")
        problem = _refusal(n, original, taken)
        if problem is not None:
            outcomes[n.line_no] = Outcome(n.line_no, n.txn, "rejected", *problem)
            continue
        assert original is not None
        taken.add(original.id)
        result.append(_row(source, n, original))
    return result


def _refusal(n: Notice, original: Any, taken: set[uuid.UUID]) -> tuple[str, str] | None:
    if original is None:
        return "original_unknown", f"no payment {n.original_txn!r} from this partner"
    if original.kind != "payment":
        return "original_is_reversal", f"{n.original_txn} is itself a reversal"
    if original.id in taken:
        return "already_reversed", f"{n.original_txn} is already reversed"
    if n.amount != original.amount:
        return "reversal_amount_mismatch", f"{n.amount} differs from the original {original.amount}"
    return None


def _row(source: Source, n: Notice, original: Any) -> dict[str, Any]:
    posted = original.status == "posted"
    return {
        "_line": n.line_no,
        "_original_txn": original.partner_txn_id,
        "id": uuid.uuid4(),
        "partner_id": source.partner_id,
        "partner_txn_id": n.txn,
        "kind": "reversal",
        "status": "posted",
        "reverses_id": original.id,
        "enrollment_id": original.enrollment_id if posted else None,
        "person_key": original.person_key,
        "resident_id_enc": None,
        "unit_code": original.unit_code,
        "scheme_code": original.scheme_code,
        "year": original.year,
        "tier": original.tier,
        "amount": n.amount,
        "paid_at": n.paid_at,
        "deposited_at": n.paid_at,
        "channel": source.channel,
        "note": n.note,
        "resolved_by": None,
        "resolved_at": None,
    }


async def _originals(uow: UnitOfWork, partner_id: str, txns: set[str]) -> dict[str, Any]:
    found = await uow.session.execute(
        select(L).where(L.c.partner_id == partner_id, among(L.c.partner_txn_id, txns))
    )
    return {r.partner_txn_id: r for r in found}


async def _already_reversed(uow: UnitOfWork, ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    found = await uow.session.scalars(select(L.c.reverses_id).where(among(L.c.reverses_id, ids)))
    return {i for i in found if i is not None}
