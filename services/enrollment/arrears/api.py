"""Enterprise arrears: assessed per period, late fees deferred during a campaign."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from libs.common.deps import CurrentUser, UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.arrears import service
from services.enrollment.arrears.schemas import ArrearsCreate, ArrearsPayment, ArrearsRead

router = APIRouter(prefix="/arrears", tags=["enterprise arrears"])


@router.post("", response_model=ArrearsRead, status_code=status.HTTP_201_CREATED)
async def post_arrears(body: ArrearsCreate, user: CurrentUser, uow: UnitOfWorkDep) -> ArrearsRead:
    """Assess an enterprise's arrears for a period (emits `arrears.assessed`)."""
    return await service.assess(uow, user, body)


@router.post("/{arrears_id}/payments", response_model=ArrearsRead)
async def post_arrears_payment(
    arrears_id: uuid.UUID, body: ArrearsPayment, user: CurrentUser, uow: UnitOfWorkDep
) -> ArrearsRead:
    """Record a back-payment; paid-off arrears are cleared (emits `arrears.cleared`)."""
    return await service.pay(uow, user, arrears_id, body)


@router.get("", response_model=list[ArrearsRead])
async def list_arrears(
    unit_code: Annotated[UnitCode, Query()], user: CurrentUser, uow: UnitOfWorkDep
) -> list[ArrearsRead]:
    """Arrears in a unit's subtree."""
    return await service.list_arrears(uow, user, unit_code)
