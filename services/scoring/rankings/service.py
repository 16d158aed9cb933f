"""Reading live rankings: one indexed query per page."""

from __future__ import annotations

from sqlalchemy import select

from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound
from libs.common.identifiers import unit_prefix
from services.scoring.campaigns.models import CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.campaigns.service import load_campaign
from services.scoring.rankings.schemas import RankingRead, RankingRow

_COLUMNS = (
    CampaignUnit.unit_code,
    CampaignUnit.name,
    CampaignUnit.score,
    CampaignUnit.rank,
    CampaignUnit.snapshot_rank,
    CampaignUnit.value,
    CampaignUnit.task,
    CampaignUnit.progress,
    CampaignUnit.completed_at,
    CampaignUnit.explanation,
    CampaignUnit.pool_size,
)


async def live_ranking(
    uow: UnitOfWork, user: Principal, code: str, pool: str, offset: int, limit: int
) -> RankingRead:
    """A page of a pool's current ranking; units outside the caller's subtree are left out."""
    campaign = await load_campaign(uow, user, code)
    if pool not in {p.code for p in policy_of(campaign).pools}:
        raise NotFound(f"Campaign {code} has no pool {pool}.")
    query = (
        select(*_COLUMNS)
        .where(CampaignUnit.campaign == code, CampaignUnit.pool == pool)
        .order_by(CampaignUnit.rank, CampaignUnit.unit_code)
        .offset(offset)
        .limit(limit)
    )
    if not user.covers(campaign.scope_unit):
        query = query.where(CampaignUnit.unit_code.startswith(unit_prefix(user.jurisdiction)))
    rows = (await uow.session.execute(query)).all()
    return RankingRead(
        campaign=code,
        pool=pool,
        pool_size=rows[0].pool_size if rows else 0,
        offset=offset,
        units=[
            RankingRow(
                unit_code=r.unit_code,
                name=r.name,
                score=r.score,
                rank=r.rank,
                movement=None if r.snapshot_rank is None else r.snapshot_rank - r.rank,
                value=r.value,
                task=r.task,
                progress=r.progress,
                completed_at=r.completed_at,
                explanation=r.explanation,
            )
            for r in rows
        ],
    )
