"""Units: a stop-gap registry until grid owns the unit tree (its events win)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from libs.common.access import Anywhere, FromPath, Policy, allow
from libs.common.auth import Principal, Role
from libs.common.deps import UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.access import READERS
from services.enrollment.units import service
from services.enrollment.units.schemas import UnitPut, UnitRead

router = APIRouter(prefix="/units", tags=["units"])
Registrar = Annotated[Principal, allow(Policy.of(((Role.DISTRICT_ADMIN,), FromPath("code"))))]
Reader = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]
"""The list shows the caller's subtree only."""


@router.put("/{code}", response_model=UnitRead)
async def put_unit(code: UnitCode, body: UnitPut, user: Registrar, uow: UnitOfWorkDep) -> UnitRead:
    """Register a unit locally (district admin); a unit learnt from grid is 409 (grid wins)."""
    return await service.register_unit(uow, user, code, body)


@router.get("", response_model=list[UnitRead])
async def get_units(user: Reader, uow: UnitOfWorkDep) -> list[UnitRead]:
    """The units in your jurisdiction."""
    return await service.list_units(uow, user)
