"""Schemes per year as policy data, and premium quotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from libs.common.access import Anywhere, Policy, allow
from libs.common.auth import Principal, Role
from libs.common.deps import UnitOfWorkDep
from services.enrollment.access import READERS
from services.enrollment.schemes import service
from services.enrollment.schemes.schemas import (
    QuoteRead,
    QuoteRequest,
    SchemeYearPut,
    SchemeYearRead,
)

router = APIRouter(prefix="/schemes", tags=["schemes"])
SchemeCode = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Year = Annotated[int, Path(ge=2000, le=2100)]
Offerer = Annotated[Principal, allow(Policy.of(((Role.DISTRICT_ADMIN,), Anywhere())))]
Reader = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]


@router.put("/{scheme_code}/years/{year}", response_model=SchemeYearRead)
async def put_scheme_year(
    scheme_code: SchemeCode, year: Year, body: SchemeYearPut, user: Offerer, uow: UnitOfWorkDep
) -> SchemeYearRead:
    """Offer a scheme for a year under a shipped policy (district admin)."""
    return await service.offer_scheme_year(uow, user, scheme_code, year, body)


@router.get("/{scheme_code}/years/{year}", response_model=SchemeYearRead)
async def get_scheme_year(
    scheme_code: SchemeCode, year: Year, user: Reader, uow: UnitOfWorkDep
) -> SchemeYearRead:
    """A scheme-year with the policy document that governs it (readers; 404 if not offered)."""
    return await service.get_scheme_year(uow, user, scheme_code, year)


@router.post("/{scheme_code}/years/{year}/quote", response_model=QuoteRead)
async def post_quote(
    scheme_code: SchemeCode, year: Year, body: QuoteRequest, user: Reader, uow: UnitOfWorkDep
) -> QuoteRead:
    """Quote a premium: individual amount, subsidy by payer, and the rule that decided each."""
    return await service.quote(uow, user, scheme_code, year, body)
