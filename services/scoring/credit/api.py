"""Credit of entities: the platform's postings, provisional scores, history, requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, status
from sqlalchemy import select

from libs.common.access import FromBody, Loaded, OwnEnterprise, Policy, allow
from libs.common.auth import Principal
from libs.common.deps import UnitOfWorkDep
from libs.common.identifiers import CreditCode
from services.scoring.credit import requests, service
from services.scoring.credit.models import CreditEntity, CreditRequest
from services.scoring.credit.schemas import (
    BasicInfoCreate,
    CreditItemRead,
    CreditRead,
    CreditRequestCreate,
    CreditRequestDecision,
    CreditRequestRead,
    HistoryRead,
    OfficialGradeCreate,
)
from services.scoring.roles import (
    DECIDERS,
    ENTERPRISES,
    OFFICIAL_REQUESTERS,
    PLATFORM_POSTERS,
    READERS,
)

router = APIRouter(prefix="/credit", tags=["credit"])


async def entity_unit(credit_code: str, uow: UnitOfWorkDep) -> str | None:
    """The unit an entity is located in (None: unknown, or located nowhere yet)."""
    found = select(CreditEntity.unit_code).where(CreditEntity.credit_code == credit_code)
    return await uow.session.scalar(found)


async def request_entity_unit(request_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The unit of the entity a credit request is about."""
    found = (
        select(CreditEntity.unit_code)
        .join(CreditRequest, CreditRequest.credit_code == CreditEntity.credit_code)
        .where(CreditRequest.id == request_id)
    )
    return await uow.session.scalar(found)


ENTITY = Loaded(entity_unit, "credit record", private=False)
Poster = Annotated[Principal, allow(Policy.of((PLATFORM_POSTERS, FromBody("unit_code"))))]
Grader = Annotated[Principal, allow(Policy.of((PLATFORM_POSTERS, ENTITY)))]
Reader = Annotated[
    Principal, allow(Policy.of((READERS, ENTITY), (ENTERPRISES, OwnEnterprise("credit_code"))))
]
Requester = Annotated[
    Principal,
    allow(Policy.of((OFFICIAL_REQUESTERS, ENTITY), (ENTERPRISES, OwnEnterprise("credit_code")))),
]
Decider = Annotated[
    Principal, allow(Policy.of((DECIDERS, Loaded(request_entity_unit, "credit request"))))
]


@router.put("/entities/{credit_code}/basic", response_model=CreditRead)
async def put_basic_info(
    credit_code: CreditCode, body: BasicInfoCreate, user: Poster, uow: UnitOfWorkDep
) -> CreditRead:
    """Post the platform's basic credit information (five dimensions); rescores the entity."""
    return await service.post_basic_info(uow, user, credit_code, body)


@router.post("/entities/{credit_code}/official", response_model=CreditRead)
async def post_official_grade(
    credit_code: CreditCode, body: OfficialGradeCreate, user: Grader, uow: UnitOfWorkDep
) -> CreditRead:
    """Post the platform's official annual grade; supervision then uses it."""
    return await service.post_official_grade(uow, user, credit_code, body)


@router.get("/entities/{credit_code}", response_model=CreditRead)
async def get_credit(credit_code: CreditCode, user: Reader, uow: UnitOfWorkDep) -> CreditRead:
    """An entity's credit: `shown` says whether it is official or provisional."""
    return await service.get_credit(uow, user, credit_code)


@router.get("/entities/{credit_code}/history", response_model=list[HistoryRead])
async def get_history(
    credit_code: CreditCode, user: Reader, uow: UnitOfWorkDep
) -> list[HistoryRead]:
    """Every score the entity has had, newest first, with explanation and policy version."""
    return await service.history(uow, user, credit_code)


@router.get("/entities/{credit_code}/items", response_model=list[CreditItemRead])
async def get_items(
    credit_code: CreditCode, user: Reader, uow: UnitOfWorkDep
) -> list[CreditItemRead]:
    """Additional credit items with their source events (the export departments share)."""
    return await service.items(uow, user, credit_code)


@router.post(
    "/entities/{credit_code}/requests",
    response_model=CreditRequestRead,
    status_code=status.HTTP_201_CREATED,
)
async def submit_request(
    credit_code: CreditCode, body: CreditRequestCreate, user: Requester, uow: UnitOfWorkDep
) -> CreditRequestRead:
    """Submit an objection (异议) or a credit-repair request (信用修复)."""
    return await requests.submit(uow, user, credit_code, body)


@router.get("/entities/{credit_code}/requests", response_model=list[CreditRequestRead])
async def list_requests(
    credit_code: CreditCode, user: Reader, uow: UnitOfWorkDep
) -> list[CreditRequestRead]:
    """The entity's objections and repair requests with their outcomes."""
    return await requests.list_requests(uow, user, credit_code)


@router.post("/requests/{request_id}/decision", response_model=CreditRequestRead)
async def decide_request(
    request_id: uuid.UUID, body: CreditRequestDecision, user: Decider, uow: UnitOfWorkDep
) -> CreditRequestRead:
    """Accept or reject a request; accepting withdraws the items it names."""
    return await requests.decide(uow, user, request_id, body)
