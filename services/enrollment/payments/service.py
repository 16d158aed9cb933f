"""Payment use cases of the webhook and the partner topic; each commits once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from libs.common.db import UnitOfWork
from libs.common.errors import NotFound
from libs.common.events.catalogue.partner import PartnerPaymentMade, PartnerPaymentReversed
from libs.common.pii import PiiVault
from services.enrollment.payments import deliveries, ledger, reads
from services.enrollment.payments.models import Payment
from services.enrollment.payments.notices import Notice, Outcome
from services.enrollment.payments.schemas import PaymentCreate, PaymentRead, ReversalCreate


def payment_notice(body: PaymentCreate | PartnerPaymentMade) -> Notice:
    """A payment, from the webhook or the partner topic, as a ledger notice."""
    if isinstance(body, PaymentCreate):
        txn, scheme, ref = body.transaction_id, body.scheme_code, None
    else:
        txn, scheme, ref = body.partner_txn_id, body.scheme, _uuid_or_none(body.enrollment_ref)
    return Notice(
        1,
        txn,
        body.amount,
        body.paid_at,
        resident_id=body.resident_id,
        enrollment_ref=ref,
        unit_code=body.unit_code,
        scheme_code=scheme,
        year=body.year,
        tier=body.tier,
        deposited_at=body.deposited_at,
    )


def reversal_notice(body: ReversalCreate | PartnerPaymentReversed) -> Notice:
    """A reversal (冲正), from the webhook or the partner topic, as a ledger notice."""
    if isinstance(body, ReversalCreate):
        txn, original = body.transaction_id, body.original_transaction_id
    else:
        txn, original = body.partner_txn_id, body.original_txn_id
    return Notice(1, txn, body.amount, body.reversed_at, original_txn=original, note=body.reason)


async def record_from_topic(
    uow: UnitOfWork,
    event: PartnerPaymentMade | PartnerPaymentReversed,
    event_id: str,
    vault: PiiVault,
) -> Outcome:
    """Post a partner topic event into the same ledger; a refusal is kept as its outcome."""
    if isinstance(event, PartnerPaymentReversed):
        notice = reversal_notice(event)
    else:
        notice = payment_notice(event)
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
    return await reads.read_one(uow, payment.id, "duplicate")


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return uuid.UUID(int=0)  # matches no enrollment: the payment waits in suspense
