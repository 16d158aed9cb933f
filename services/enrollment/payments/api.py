"""Partner payment webhook (HMAC-signed, idempotent), reversals, and the suspense queue."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from libs.common.batching import Batcher
from libs.common.deps import (
    CurrentUser,
    PartnerCaller,
    PartnerIdempotency,
    PiiVaultDep,
    RuntimeDep,
    UnitOfWorkDep,
)
from libs.common.identifiers import UnitCode
from services.enrollment.payments import service, suspense, webhook
from services.enrollment.payments.schemas import (
    PaymentCreate,
    PaymentRead,
    ReversalCreate,
    SuspenseResolve,
)

router = APIRouter(tags=["partner payments"])


def get_webhook(runtime: RuntimeDep, vault: PiiVaultDep) -> Batcher[webhook.Call, webhook.Answer]:
    """The process's batcher of webhook calls (concurrent calls share one transaction)."""
    return runtime.batcher("enrollment.webhook", partial(webhook.handle, vault=vault))


Webhook = Annotated[Batcher[webhook.Call, webhook.Answer], Depends(get_webhook)]


@router.post("/partner/payments", response_model=PaymentRead, status_code=status.HTTP_201_CREATED)
async def post_payment(
    notice: PaymentCreate,
    response: Response,
    partner: PartnerCaller,
    idempotency: PartnerIdempotency,
    calls: Webhook,
) -> PaymentRead:
    """Record a payment: 201 recorded, 202 held in suspense, 200 for a repeated delivery."""
    assert partner.partner_id is not None
    call = webhook.Call(partner.partner_id, service.payment_notice(notice), idempotency)
    answer = await calls.submit(call)
    response.status_code = answer.status
    return answer.payment


@router.post("/partner/reversals", response_model=PaymentRead, status_code=status.HTTP_201_CREATED)
async def post_reversal(
    notice: ReversalCreate,
    response: Response,
    partner: PartnerCaller,
    idempotency: PartnerIdempotency,
    calls: Webhook,
) -> PaymentRead:
    """Reverse (冲正) one of your payments with a compensating entry; 200 when repeated."""
    assert partner.partner_id is not None
    call = webhook.Call(partner.partner_id, service.reversal_notice(notice), idempotency)
    answer = await calls.submit(call)
    response.status_code = answer.status
    return answer.payment


@router.get("/partner/payments/{transaction_id}", response_model=PaymentRead)
async def get_payment(
    transaction_id: str, partner: PartnerCaller, uow: UnitOfWorkDep
) -> PaymentRead:
    """One of the calling partner's own entries."""
    assert partner.partner_id is not None
    return await service.get_partner_payment(uow, partner.partner_id, transaction_id)


@router.get("/payments/suspense", response_model=list[PaymentRead], tags=["suspense"])
async def list_suspense(
    unit_code: Annotated[UnitCode, Query()], user: CurrentUser, uow: UnitOfWorkDep
) -> list[PaymentRead]:
    """Payments that matched no enrollment, waiting for a clerk, in a unit's subtree."""
    return await suspense.list_suspense(uow, user, unit_code)


@router.post(
    "/payments/suspense/{payment_id}/resolve", response_model=PaymentRead, tags=["suspense"]
)
async def resolve_suspense(
    payment_id: uuid.UUID, body: SuspenseResolve, user: CurrentUser, uow: UnitOfWorkDep
) -> PaymentRead:
    """Match a suspense payment to an enrollment (then recorded), or return it to the partner."""
    return await suspense.resolve(uow, user, payment_id, body)
