"""Triggers fired over consecutive ranking snapshots."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from libs.common.bounds import Code
from libs.common.deps import CurrentUser, UnitOfWorkDep
from services.scoring.triggers import service
from services.scoring.triggers.schemas import TriggerRead

router = APIRouter(prefix="/campaigns", tags=["triggers"])


@router.get("/{code}/triggers", response_model=list[TriggerRead])
async def list_triggers(
    code: Code, user: CurrentUser, uow: UnitOfWorkDep, snapshot_id: uuid.UUID | None = None
) -> list[TriggerRead]:
    """Triggers fired in the campaign (criticism, 约谈, 述职会 …), newest first."""
    return await service.list_triggers(uow, user, code, snapshot_id)
