"""Partner payment webhook: HMAC-signed, idempotent."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from libs.common.deps import PartnerCaller, PartnerIdempotency, PiiVaultDep, UnitOfWorkDep
from services.enrollment import service
from services.enrollment.schemas import PaymentCreate, PaymentRead

router = APIRouter(prefix="/partner/payments", tags=["partner payments"])


@router.post("", response_model=PaymentRead, status_code=status.HTTP_201_CREATED)
async def post_payment(
    notice: PaymentCreate,
    response: Response,
    partner: PartnerCaller,
    idempotency: PartnerIdempotency,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
) -> PaymentRead:
    """Record a payment notice; a repeated delivery returns the first record with 200."""
    assert partner.partner_id is not None
    payment = await service.record_payment(
        uow, partner.partner_id, notice, "rest", vault, idempotency
    )
    if payment.outcome == "duplicate":
        response.status_code = status.HTTP_200_OK
    return payment


@router.get("/{transaction_id}", response_model=PaymentRead)
async def get_payment(
    transaction_id: str, partner: PartnerCaller, uow: UnitOfWorkDep
) -> PaymentRead:
    """One of the calling partner's own payments."""
    assert partner.partner_id is not None
    return await service.get_partner_payment(uow, partner.partner_id, transaction_id)
