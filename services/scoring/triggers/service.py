"""Triggers fired over consecutive snapshots, listed (`snapshots.triggers` fires them)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from libs.common.access import within
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from services.scoring.campaigns.service import load_campaign
from services.scoring.triggers.models import TriggerFiring
from services.scoring.triggers.schemas import TriggerRead


async def list_triggers(
    uow: UnitOfWork, user: Principal, code: str, snapshot_id: uuid.UUID | None
) -> list[TriggerRead]:
    """The triggers fired in a campaign, newest first, optionally for one snapshot (of the
    caller's subtree's units only)."""
    await load_campaign(uow, user, code)
    query = select(TriggerFiring).where(TriggerFiring.campaign == code)
    if snapshot_id is not None:
        query = query.where(TriggerFiring.snapshot_id == snapshot_id)
    rows = await uow.session.scalars(
        query.order_by(TriggerFiring.fired_at.desc(), TriggerFiring.unit_code, TriggerFiring.kind)
    )
    return [TriggerRead.model_validate(row) for row in within(user, rows, _unit)]


def _unit(row: TriggerFiring) -> str:
    return row.unit_code
