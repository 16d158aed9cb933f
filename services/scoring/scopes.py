"""Where a campaign's routes find the unit their access policies check (libs/common/access).

A campaign is seen by the officials its scope covers and by those above it; what a caller
below the scope is shown of it (ranking, snapshots, circulars, settlement, triggers) is
their own subtree's units only (`libs.common.access.within`). Campaigns are named by their
code, so one outside the caller's reach answers 403; a snapshot is named by an opaque id,
so one outside answers 404 like an unknown one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from libs.common.access import Loaded
from libs.common.deps import ReadConnectionDep, UnitOfWorkDep
from services.scoring.campaigns.models import Campaign
from services.scoring.snapshots.models import RankingSnapshot


async def campaign_scope(code: str, conn: ReadConnectionDep) -> str | None:
    """The unit whose subtree a campaign ranks (one statement on the request's read
    connection: the live ranking, read most, needs no transaction for it)."""
    return await conn.scalar(select(Campaign.scope_unit).where(Campaign.code == code))


async def snapshot_scope(snapshot_id: uuid.UUID, uow: UnitOfWorkDep) -> str | None:
    """The scope of the campaign a snapshot froze."""
    found = (
        select(Campaign.scope_unit)
        .join(RankingSnapshot, RankingSnapshot.campaign == Campaign.code)
        .where(RankingSnapshot.id == snapshot_id)
    )
    return await uow.session.scalar(found)


CAMPAIGN = Loaded(campaign_scope, "campaign", private=False, overlap=True)
SNAPSHOT = Loaded(snapshot_scope, "snapshot", overlap=True)
