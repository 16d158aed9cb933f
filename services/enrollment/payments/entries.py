"""Ledger rows and their events: how a notice becomes an entry, and an entry an event."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import among, table_of
from libs.common.events.catalogue.enrollment import (
    PaymentDeposited,
    PaymentRecorded,
    PaymentReversed,
)
from libs.common.pii import PiiVault
from services.enrollment.domain.ledger_records import (
    ENTRY_COLUMNS,
    EnrollmentTarget,
    LedgerEntry,
    Notice,
    Source,
)
from services.enrollment.payments.models import Payment

L = table_of(Payment)


async def known(
    session: AsyncSession, partner_id: str, txns: list[str]
) -> dict[str, tuple[uuid.UUID, str]]:
    """The partner's transaction numbers already in the ledger → (entry id, how it came)."""
    if not txns:
        return {}
    rows = await session.execute(
        select(L.c.partner_txn_id, L.c.id, L.c.channel, L.c.recorded_at).where(
            L.c.partner_id == partner_id, among(L.c.partner_txn_id, txns)
        )
    )
    return {
        r.partner_txn_id: (r.id, f"recorded by {r.channel} at {r.recorded_at.isoformat()}")
        for r in rows
    }


_DEPOSITED = text(
    """
    UPDATE payment AS p SET deposited_at = v.deposited_at
    FROM unnest(
        CAST(:txn AS text[]), CAST(:amount AS numeric[]), CAST(:deposited_at AS timestamptz[])
    ) AS v(txn, amount, deposited_at)
    WHERE p.partner_id = :partner_id AND p.partner_txn_id = v.txn AND p.kind = 'payment'
      AND p.status <> 'returned' AND p.deposited_at IS NULL
      AND p.amount = v.amount AND v.deposited_at >= p.paid_at
    RETURNING p.*
    """
)
"""A repeated payment confirms its entry's deposit: only a payment still without one, for
the same amount, deposited no earlier than paid. Two deliveries racing: one confirms."""
_LOCK = (
    select(L.c.id)
    .where(
        L.c.partner_id == bindparam("partner_id"),
        L.c.partner_txn_id.in_(bindparam("txn", expanding=True)),
        L.c.kind == "payment",
        L.c.deposited_at.is_(None),
    )
    .order_by(L.c.id)
    .with_for_update()
)
"""The entries a confirmation may update, locked in one order (by id) whatever the order of
the lines, so two deliveries confirming overlapping entries cannot deadlock."""


async def record_deposits(
    session: AsyncSession, partner_id: str, notices: list[Notice]
) -> dict[str, LedgerEntry]:
    """Record the deposit dates that `notices` (repeats of recorded payments) bring to
    entries without one; the entries so updated, by transaction number."""
    if not notices:
        return {}
    txns = [n.txn for n in notices]
    if not (await session.execute(_LOCK, {"partner_id": partner_id, "txn": txns})).all():
        return {}
    rows = await session.execute(
        _DEPOSITED,
        {
            "partner_id": partner_id,
            "txn": txns,
            "amount": [n.amount for n in notices],
            "deposited_at": [n.deposited_at for n in notices],
        },
    )
    return {r.partner_txn_id: LedgerEntry.from_columns(dict(r._mapping)) for r in rows}


def payment_row(
    source: Source,
    vault: PiiVault,
    n: Notice,
    person_key: str | None,
    enrollment: EnrollmentTarget | None,
    suspense: str | None,
) -> LedgerEntry:
    """The ledger entry of a payment notice: posted to `enrollment`, or held in suspense
    (`suspense` says why) with the resident ID encrypted for the clerk who will match it."""
    posted = enrollment if suspense is None else None
    return LedgerEntry(
        id=uuid.uuid4(),
        partner_id=source.partner_id,
        partner_txn_id=n.txn,
        kind="payment",
        status="suspense" if posted is None else "posted",
        reverses_id=None,
        enrollment_id=enrollment.id if enrollment else None,
        person_key=posted.person_key if posted else person_key,
        resident_id_enc=None if posted or n.resident_id is None else vault.encrypt(n.resident_id),
        unit_code=posted.unit_code if posted else n.unit_code,
        scheme_code=n.scheme_code,
        year=n.year,
        tier=n.tier,
        amount=n.amount,
        paid_at=n.paid_at,
        deposited_at=n.deposited_at,
        channel=source.channel,
        note=suspense,
        line_no=n.line_no,
    )


def entry_of(payment: Payment) -> LedgerEntry:
    """The record of an entry loaded as a model."""
    return LedgerEntry(**{name: getattr(payment, name) for name in ENTRY_COLUMNS})


def _entry(row: LedgerEntry) -> dict[str, Any]:
    """The fields every event about one ledger entry carries."""
    return {
        "payment_id": row.id,
        "enrollment_id": row.enrollment_id,
        "partner_id": row.partner_id,
        "partner_txn_id": row.partner_txn_id,
        "person_key": row.person_key,
        "unit_code": row.unit_code,
        "scheme": row.scheme_code,
        "year": row.year,
        "amount": row.amount,
        "paid_at": row.paid_at,
        "deposited_at": row.deposited_at,
        "channel": row.channel,
    }


def recorded_event(row: LedgerEntry, completes: bool) -> PaymentRecorded:
    """`payment.recorded` of a posted payment."""
    return PaymentRecorded(**_entry(row), tier=row.tier, completes_person=completes)


def deposited_event(row: LedgerEntry, completes: bool) -> PaymentDeposited:
    """`payment.deposited` of a posted payment whose deposit came after it."""
    return PaymentDeposited(**_entry(row), completes_person=completes)


def reversed_event(row: LedgerEntry, reopens: bool, deposit_reversed: bool) -> PaymentReversed:
    """`payment.reversed` of a compensating entry against a posted payment."""
    return PaymentReversed(
        reversal_id=row.id,
        payment_id=row.reverses_id,
        enrollment_id=row.enrollment_id,
        partner_id=row.partner_id,
        partner_txn_id=row.partner_txn_id,
        original_partner_txn_id=row.original_txn,
        person_key=row.person_key,
        unit_code=row.unit_code,
        scheme=row.scheme_code,
        year=row.year,
        amount=row.amount,
        reopens_person=reopens,
        deposit_reversed=deposit_reversed,
        reason=row.note,
        reversed_at=row.paid_at,
        channel=row.channel,
    )
