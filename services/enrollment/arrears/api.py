"""Enterprise arrears: assessed per period, late fees deferred during a campaign."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import Response
from sqlalchemy import select

from libs.common.access import FromBody, FromQuery, Loaded, Policy, allow
from libs.common.auth import Principal
from libs.common.deps import UnitOfWorkDep
from libs.common.identifiers import CreditCode, UnitCode
from services.enrollment.access import PLANNERS, READERS
from services.enrollment.arrears import service
from services.enrollment.arrears.models import EnterpriseArrears
from services.enrollment.arrears.schemas import (
    ArrearsCreate,
    ArrearsPayment,
    ArrearsRead,
    BaseAuditRead,
    BaseAuditRequest,
)
from services.enrollment.export import XLSX_RESPONSES, Format, models_xlsx

router = APIRouter(prefix="/arrears", tags=["enterprise arrears"])


async def arrears_unit(arrears_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The unit an enterprise's arrears are assessed in."""
    row = select(EnterpriseArrears.unit_code).where(EnterpriseArrears.id == arrears_id)
    return await uow.session.scalar(row)


Assessor = Annotated[Principal, allow(Policy.of((PLANNERS, FromBody("unit_code"))))]
Collector = Annotated[Principal, allow(Policy.of((PLANNERS, Loaded(arrears_unit, "arrears"))))]
Reader = Annotated[Principal, allow(Policy.of((READERS, FromQuery("unit_code"))))]


@router.post("", response_model=ArrearsRead, status_code=status.HTTP_201_CREATED)
async def post_arrears(body: ArrearsCreate, user: Assessor, uow: UnitOfWorkDep) -> ArrearsRead:
    """Assess an enterprise's arrears for a period (emits `arrears.assessed`)."""
    return await service.assess(uow, user, body)


@router.post("/{arrears_id}/payments", response_model=ArrearsRead)
async def post_arrears_payment(
    arrears_id: uuid.UUID, body: ArrearsPayment, user: Collector, uow: UnitOfWorkDep
) -> ArrearsRead:
    """Record a back-payment with its late fee; paid-off arrears emit `arrears.cleared`."""
    return await service.pay(uow, user, arrears_id, body)


@router.get("", response_model=list[ArrearsRead], responses=XLSX_RESPONSES)
async def list_arrears(
    unit_code: Annotated[UnitCode, Query()],
    user: Reader,
    uow: UnitOfWorkDep,
    status: Annotated[Literal["open", "cleared"] | None, Query()] = None,
    credit_code: Annotated[CreditCode | None, Query(description="One enterprise only")] = None,
    period: Annotated[
        str | None, Query(min_length=1, max_length=16, description="One period only, e.g. 2025-06")
    ] = None,
    deferred_fee: Annotated[
        bool | None, Query(description="Only those with (true) or without (false) a deferred fee")
    ] = None,
    format: Format = "json",
) -> list[ArrearsRead] | Response:
    """Arrears in a unit's subtree, as JSON or .xlsx: by status, enterprise, period, and
    whether a late fee deferred during the campaign is still to be paid after it."""
    found = service.ArrearsFilter(status, credit_code, period, deferred_fee)
    rows = await service.list_arrears(uow, user, unit_code, found)
    if format == "xlsx":
        return models_xlsx(f"arrears-{unit_code}", ArrearsRead, rows)
    return rows


@router.post("/base-audits", response_model=BaseAuditRead)
async def post_base_audit(
    body: BaseAuditRequest, user: Assessor, uow: UnitOfWorkDep
) -> BaseAuditRead:
    """Check a declared contribution base against the policy minimum (000:L46); stores nothing."""
    return await service.audit_base(uow, user, body)
