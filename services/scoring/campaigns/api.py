"""Assessment campaigns: definition of units, pools, metric, formula and cadences."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status

from libs.common.access import Anywhere, FromBody, Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code
from libs.common.deps import UnitOfWorkDep
from services.scoring.campaigns import service, settlement
from services.scoring.campaigns.schemas import (
    CampaignCreate,
    CampaignRead,
    LateFactsRead,
    SettlementRead,
)
from services.scoring.roles import CAMPAIGN_MANAGERS, READERS
from services.scoring.scopes import CAMPAIGN

router = APIRouter(prefix="/campaigns", tags=["campaigns"])
Manager = Annotated[Principal, allow(Policy.of((CAMPAIGN_MANAGERS, FromBody("scope_unit"))))]
Lister = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]
"""The list holds the campaigns in or above the caller's jurisdiction only."""
Reader = Annotated[Principal, allow(Policy.of((READERS, CAMPAIGN)))]


@router.post("", response_model=CampaignRead, status_code=status.HTTP_201_CREATED)
async def create_campaign(body: CampaignCreate, user: Manager, uow: UnitOfWorkDep) -> CampaignRead:
    """Define a campaign; its units are seeded from the events already applied and ranked."""
    return await service.create_campaign(uow, user, body)


@router.get("", response_model=list[CampaignRead])
async def list_campaigns(user: Lister, uow: UnitOfWorkDep) -> list[CampaignRead]:
    """The campaigns in (or above) the caller's jurisdiction."""
    return await service.list_campaigns(uow, user)


@router.get("/{code}", response_model=CampaignRead)
async def get_campaign(code: Code, user: Reader, uow: UnitOfWorkDep) -> CampaignRead:
    """A campaign's definition and pools."""
    return await service.get_campaign(uow, user, code)


@router.get("/{code}/settlement", response_model=SettlementRead)
async def get_settlement(code: Code, user: Reader, uow: UnitOfWorkDep) -> SettlementRead:
    """Date-bucket awards and deductions and rank awards, as the units stand now."""
    return await settlement.settle(uow, user, code)


@router.get("/{code}/late-facts", response_model=list[LateFactsRead])
async def get_late_facts(code: Code, user: Reader, uow: UnitOfWorkDep) -> list[LateFactsRead]:
    """Facts that arrived after their stage ended, per unit and stage: counted until the
    stage's cut-off, refused for scoring (and so reported here) after it."""
    return await settlement.late_facts(uow, user, code)
