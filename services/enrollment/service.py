"""Enrollment use cases: each takes a unit of work and commits once."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common.db import UnitOfWork
from libs.common.errors import NotFound
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.idempotency import IdempotentRequest
from libs.common.pii import PiiVault
from services.enrollment.models import Payment
from services.enrollment.schemas import PaymentCreate, PaymentRead

Channel = Literal["rest", "topic", "file"]
ENROLLMENT_NAMESPACE = uuid.UUID("6f1c5a52-3c1e-4d8e-9a40-0e6f2f1b7a11")


async def record_payment(
    uow: UnitOfWork,
    partner_id: str,
    notice: PaymentCreate,
    channel: Channel,
    vault: PiiVault,
    idempotency: IdempotentRequest | None = None,
) -> PaymentRead:
    """Record a partner payment once; a repeated delivery returns the first record."""
    if idempotency is not None and (first := await idempotency.replay(uow)) is not None:
        return PaymentRead.model_validate(first | {"outcome": "duplicate"})
    existing = await _find(uow, partner_id, notice.transaction_id)
    if existing is not None:
        return _read(existing, "duplicate")
    person_key = vault.keyed_hash(notice.resident_id)
    payment = Payment(
        partner_id=partner_id,
        partner_txn_id=notice.transaction_id,
        enrollment_id=enrollment_id_of(person_key, notice.scheme_code, notice.year),
        person_key=person_key,
        unit_code=notice.unit_code,
        scheme_code=notice.scheme_code,
        year=notice.year,
        amount=notice.amount,
        paid_at=notice.paid_at,
        deposited_at=notice.deposited_at,
        channel=channel,
    )
    uow.session.add(payment)
    try:
        await uow.session.flush()
    except IntegrityError:  # the same transaction arrived concurrently by another path
        await uow.rollback()
        found = await _find(uow, partner_id, notice.transaction_id)
        assert found is not None
        return _read(found, "duplicate")
    uow.emit(_recorded_event(payment))
    recorded = _read(payment, "recorded")
    if idempotency is not None:
        await idempotency.remember(uow, 201, recorded.model_dump(mode="json"))
    await uow.commit()
    return recorded


async def get_partner_payment(uow: UnitOfWork, partner_id: str, transaction_id: str) -> PaymentRead:
    """One of the partner's own payments; other partners' payments do not exist for it."""
    payment = await _find(uow, partner_id, transaction_id)
    if payment is None:
        raise NotFound(f"No payment {transaction_id!r} from partner {partner_id!r}.")
    return _read(payment, "duplicate")


async def _find(uow: UnitOfWork, partner_id: str, transaction_id: str) -> Payment | None:
    return await uow.session.scalar(
        select(Payment).where(
            Payment.partner_id == partner_id, Payment.partner_txn_id == transaction_id
        )
    )


def enrollment_id_of(person_key: str, scheme_code: str, year: int) -> uuid.UUID:
    """An enrollment's identity is person × scheme × year, so every path derives the same id."""
    return uuid.uuid5(ENROLLMENT_NAMESPACE, f"{person_key}:{scheme_code}:{year}")


def _recorded_event(payment: Payment) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=payment.id,
        enrollment_id=payment.enrollment_id,
        person_key=payment.person_key,
        partner_id=payment.partner_id,
        partner_txn_id=payment.partner_txn_id,
        unit_code=payment.unit_code,
        scheme=payment.scheme_code,
        year=payment.year,
        amount=payment.amount,
        paid_at=payment.paid_at,
        deposited_at=payment.deposited_at,
        completes_person=payment.deposited_at is not None,
        channel=payment.channel,
    )


def _read(payment: Payment, outcome: Literal["recorded", "duplicate"]) -> PaymentRead:
    return PaymentRead(
        id=payment.id,
        enrollment_id=payment.enrollment_id,
        partner_id=payment.partner_id,
        transaction_id=payment.partner_txn_id,
        unit_code=payment.unit_code,
        scheme_code=payment.scheme_code,
        year=payment.year,
        amount=payment.amount,
        paid_at=payment.paid_at,
        deposited_at=payment.deposited_at,
        channel=payment.channel,
        outcome=outcome,
    )
