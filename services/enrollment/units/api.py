"""Units: a stop-gap registry until grid owns the unit tree (its events win)."""

from __future__ import annotations

from fastapi import APIRouter

from libs.common.deps import CurrentUser, UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.units import service
from services.enrollment.units.schemas import UnitPut, UnitRead

router = APIRouter(prefix="/units", tags=["units"])


@router.put("/{code}", response_model=UnitRead)
async def put_unit(
    code: UnitCode, body: UnitPut, user: CurrentUser, uow: UnitOfWorkDep
) -> UnitRead:
    """Register a unit locally (district admin); a unit learnt from grid is 409 (grid wins)."""
    return await service.register_unit(uow, user, code, body)


@router.get("", response_model=list[UnitRead])
async def get_units(user: CurrentUser, uow: UnitOfWorkDep) -> list[UnitRead]:
    """The units in your jurisdiction."""
    return await service.list_units(uow, user)
