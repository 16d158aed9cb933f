"""Schemes per year as policy data, and premium quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from libs.common.access import Anywhere, FromPath, Policy, allow
from libs.common.auth import Principal, Role
from libs.common.bounds import Year
from libs.common.deps import UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.access import READERS
from services.enrollment.schemes import service
from services.enrollment.schemes.schemas import (
    QuoteRead,
    QuoteRequest,
    SchemeYearPut,
    SchemeYearRead,
)

router = APIRouter(prefix="/regions/{region_code}/schemes", tags=["schemes"])
RegionCode = Annotated[UnitCode, Path(description="The district (区/县) offering the scheme-year")]
SchemeCode = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Offerer = Annotated[Principal, allow(Policy.of(((Role.DISTRICT_ADMIN,), FromPath("region_code"))))]
"""A region's own district admins offer and change its scheme-years."""
Reader = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]


@router.put("/{scheme_code}/years/{year}", response_model=SchemeYearRead)
async def put_scheme_year(
    region_code: RegionCode,
    scheme_code: SchemeCode,
    year: Year,
    body: SchemeYearPut,
    user: Offerer,
    uow: UnitOfWorkDep,
) -> SchemeYearRead:
    """A region adopts a shipped template as a scheme-year, or edits it (its district admin)."""
    return await service.offer_scheme_year(uow, user, region_code, scheme_code, year, body)


@router.get("/{scheme_code}/years/{year}", response_model=SchemeYearRead)
async def get_scheme_year(
    region_code: RegionCode,
    scheme_code: SchemeCode,
    year: Year,
    user: Reader,
    uow: UnitOfWorkDep,
) -> SchemeYearRead:
    """A scheme-year with the policy document that governs it (readers; 404 if not offered)."""
    return await service.get_scheme_year(uow, user, region_code, scheme_code, year)


@router.post("/{scheme_code}/years/{year}/quote", response_model=QuoteRead)
async def post_quote(
    region_code: RegionCode,
    scheme_code: SchemeCode,
    year: Year,
    body: QuoteRequest,
    user: Reader,
    uow: UnitOfWorkDep,
) -> QuoteRead:
    """Quote a premium: individual amount, subsidy by payer, and the rule that decided each."""
    return await service.quote(uow, user, region_code, scheme_code, year, body)
