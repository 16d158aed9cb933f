"""Payment use cases of the webhook and the partner topic; each commits once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import aliased

from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from libs.common.events.catalogue.partner import PartnerPaymentMade, PartnerPaymentReversed
from libs.common.idempotency import IdempotentRequest
from libs.common.pii import PiiVault
from services.enrollment.payments import deliveries, ledger
from services.enrollment.payments.models import Payment
from services.enrollment.payments.notices import Notice, Outcome
from services.enrollment.payments.schemas import Outcome as DeliveryOutcome
from services.enrollment.payments.schemas import PaymentCreate, PaymentRead, ReversalCreate

_FIELDS = {
    "scheme_unknown": "scheme_code",
    "unit_unknown": "unit_code",
    "amount_above_standard": "amount",
    "amount_invalid": "amount",
    "tier_unknown": "tier",
    "original_unknown": "original_transaction_id",
    "original_is_reversal": "original_transaction_id",
    "already_reversed": "original_transaction_id",
    "reversal_amount_mismatch": "amount",
}


async def record_payment(
    uow: UnitOfWork,
    partner_id: str,
    body: PaymentCreate,
    vault: PiiVault,
    idempotency: IdempotentRequest | None = None,
) -> PaymentRead:
    """Record a webhook payment once; a repeated delivery returns the first record."""
    notice = Notice(
        1,
        body.transaction_id,
        body.amount,
        body.paid_at,
        resident_id=body.resident_id,
        unit_code=body.unit_code,
        scheme_code=body.scheme_code,
        year=body.year,
        tier=body.tier,
        deposited_at=body.deposited_at,
    )
    return await _deliver(uow, partner_id, notice, vault, idempotency)


async def record_reversal(
    uow: UnitOfWork,
    partner_id: str,
    body: ReversalCreate,
    vault: PiiVault,
    idempotency: IdempotentRequest | None = None,
) -> PaymentRead:
    """Record a webhook reversal (冲正) as a compensating entry."""
    notice = Notice(
        1,
        body.transaction_id,
        body.amount,
        body.reversed_at,
        original_txn=body.original_transaction_id,
        note=body.reason,
    )
    return await _deliver(uow, partner_id, notice, vault, idempotency)


async def record_from_topic(
    uow: UnitOfWork,
    event: PartnerPaymentMade | PartnerPaymentReversed,
    event_id: str,
    vault: PiiVault,
) -> Outcome:
    """Post a partner topic event into the same ledger; a refusal is kept as its outcome."""
    if isinstance(event, PartnerPaymentReversed):
        notice = Notice(
            1,
            event.partner_txn_id,
            event.amount,
            event.reversed_at,
            original_txn=event.original_txn_id,
            note=event.reason,
        )
    else:
        ref = _uuid_or_none(event.enrollment_ref)
        notice = Notice(
            1,
            event.partner_txn_id,
            event.amount,
            event.paid_at,
            resident_id=event.resident_id,
            enrollment_ref=ref,
            unit_code=event.unit_code,
            scheme_code=event.scheme,
            year=event.year,
            tier=event.tier,
            deposited_at=event.deposited_at,
        )
    source = ledger.Source(event.partner_id, "topic", f"partner:{event.partner_id}")
    [outcome] = await ledger.post(uow, source, vault, [notice], datetime.now(UTC))
    await deliveries.record(uow, event.partner_id, "topic", event_id, [outcome])
    await uow.commit()
    return outcome


async def get_partner_payment(uow: UnitOfWork, partner_id: str, transaction_id: str) -> PaymentRead:
    """One of the partner's own entries; other partners' entries do not exist for it."""
    payment = await uow.session.scalar(
        select(Payment).where(
            Payment.partner_id == partner_id, Payment.partner_txn_id == transaction_id
        )
    )
    if payment is None:
        raise NotFound(f"No payment {transaction_id!r} from partner {partner_id!r}.")
    return await read(uow, payment.id, "duplicate")


async def read(
    uow: UnitOfWork, payment_id: uuid.UUID | None, outcome: DeliveryOutcome
) -> PaymentRead:
    """The API form of a ledger entry, with the outcome of the delivery at hand."""
    original = aliased(Payment)
    row = (
        await uow.session.execute(
            select(Payment, original.partner_txn_id)
            .outerjoin(original, original.id == Payment.reverses_id)
            .where(Payment.id == payment_id)
        )
    ).one()
    p, reverses = row
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
        outcome=outcome,
    )


async def _deliver(
    uow: UnitOfWork,
    partner_id: str,
    notice: Notice,
    vault: PiiVault,
    idempotency: IdempotentRequest | None,
) -> PaymentRead:
    if idempotency is not None and (first := await idempotency.replay(uow)) is not None:
        return PaymentRead.model_validate(first | {"outcome": "duplicate"})
    source = ledger.Source(partner_id, "rest", f"partner:{partner_id}")
    [outcome] = await ledger.post(uow, source, vault, [notice], datetime.now(UTC))
    if outcome.outcome == "rejected":
        code = outcome.reason_code or "rejected"
        raise RuleViolation(outcome.detail or code, field=_FIELDS.get(code), code=code)
    result = await read(uow, outcome.payment_id, cast(DeliveryOutcome, outcome.outcome))
    key = idempotency.key if idempotency is not None else None
    await deliveries.record(uow, partner_id, "rest", key, [outcome])
    if idempotency is not None:
        await idempotency.remember(uow, 201, result.model_dump(mode="json"))
    await uow.commit()
    return result


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)  # matches no enrollment: the payment waits in suspense
