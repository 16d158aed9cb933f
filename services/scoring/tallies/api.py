"""A unit's payment tallies as scoring has counted them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from libs.common.access import FromPath, Policy, allow
from libs.common.auth import Principal
from libs.common.deps import UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.scoring.roles import PAYMENT_READERS
from services.scoring.tallies import service
from services.scoring.tallies.schemas import UnitPaymentsRead

router = APIRouter(prefix="/units", tags=["units"])
Reader = Annotated[Principal, allow(Policy.of((PAYMENT_READERS, FromPath("unit_code"))))]


@router.get("/{unit_code}/payments", response_model=UnitPaymentsRead)
async def get_unit_payments(
    unit_code: UnitCode, user: Reader, uow: UnitOfWorkDep
) -> UnitPaymentsRead:
    """Payments counted for a unit, per scheme-year, from enrollment's events."""
    return await service.unit_payments(uow, user, unit_code)
