"""Ranking snapshots (weekly Friday, monthly, quarterly) kept for history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from libs.common.access import Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code
from libs.common.deps import Now, UnitOfWorkDep
from services.scoring.roles import CAMPAIGN_MANAGERS, READERS
from services.scoring.scopes import CAMPAIGN, SNAPSHOT
from services.scoring.snapshots import service
from services.scoring.snapshots.schemas import SnapshotCreate, SnapshotRead

router = APIRouter(tags=["snapshots"])
Taker = Annotated[Principal, allow(Policy.of((CAMPAIGN_MANAGERS, CAMPAIGN)))]
Lister = Annotated[Principal, allow(Policy.of((READERS, CAMPAIGN)))]
Reader = Annotated[Principal, allow(Policy.of((READERS, SNAPSHOT)))]
"""A snapshot shows the caller's subtree's units only."""


@router.post("/campaigns/{code}/snapshots", response_model=SnapshotRead)
async def take_snapshot(
    code: Code,
    body: SnapshotCreate,
    user: Taker,
    uow: UnitOfWorkDep,
    response: Response,
    now: Now,
) -> SnapshotRead:
    """Take the period's snapshot now (201), or return the one already taken (200); a period
    that has not ended yet (its closing day, 18:00 Asia/Shanghai) is refused with 422."""
    read = await service.take_snapshot(uow, user, code, body, now)
    response.status_code = status.HTTP_201_CREATED if read.created else status.HTTP_200_OK
    return read


@router.get("/campaigns/{code}/snapshots", response_model=list[SnapshotRead])
async def list_snapshots(code: Code, user: Lister, uow: UnitOfWorkDep) -> list[SnapshotRead]:
    """The campaign's snapshots, newest period first."""
    return await service.list_snapshots(uow, user, code)


@router.get("/snapshots/{snapshot_id}", response_model=SnapshotRead)
async def get_snapshot(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> SnapshotRead:
    """A snapshot with every unit's frozen score, rank and movement."""
    return await service.get_snapshot(uow, user, snapshot_id)
