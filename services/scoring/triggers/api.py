"""Triggers fired over consecutive ranking snapshots."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter

from libs.common.access import Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code
from libs.common.deps import UnitOfWorkDep
from services.scoring.roles import READERS
from services.scoring.scopes import CAMPAIGN
from services.scoring.triggers import service
from services.scoring.triggers.schemas import TriggerRead

router = APIRouter(prefix="/campaigns", tags=["triggers"])
Reader = Annotated[Principal, allow(Policy.of((READERS, CAMPAIGN)))]
"""Triggers of the caller's subtree's units only."""


@router.get("/{code}/triggers", response_model=list[TriggerRead])
async def list_triggers(
    code: Code, user: Reader, uow: UnitOfWorkDep, snapshot_id: uuid.UUID | None = None
) -> list[TriggerRead]:
    """Triggers fired in the campaign (criticism, 约谈, 述职会 …), newest first."""
    return await service.list_triggers(uow, user, code, snapshot_id)
