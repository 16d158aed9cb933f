"""Reading live rankings: one indexed query per page, movement per snapshot cadence."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Row, text

from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from libs.common.identifiers import unit_prefix
from services.scoring.campaigns.policies import policy_of
from services.scoring.campaigns.service import load_campaign
from services.scoring.credit.schemas import ExplanationLineRead
from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.domain.campaign_policy import CampaignPolicy
from services.scoring.rankings.schemas import RankingRead, RankingRow

# Ranks are competition ranks: the unit at position p (from 0) has rank r <= p + 1 and its
# tie group starts at position r - 1. So a page seeks in the (campaign, pool, rank) index to
# the greatest rank <= offset + 1 and skips only within that tie group, instead of reading
# `offset` rows. Movement is a primary-key lookup per row in the cadence's latest snapshot,
# whatever the planner knows of the tables' statistics.
_PAGE = """
WITH latest AS (
    SELECT id, period FROM ranking_snapshot
     WHERE campaign = :campaign AND cadence = :cadence
     ORDER BY period_end DESC LIMIT 1
), page AS ({rows})
SELECT page.*,
       (SELECT period FROM latest) AS since,
       (SELECT e.rank FROM snapshot_entry AS e
         WHERE e.snapshot_id = (SELECT id FROM latest) AND e.unit_code = page.unit_code)
       AS before
  FROM page ORDER BY page.rank, page.unit_code
"""
_ROWS = """
    SELECT unit_code, name, score, rank, value, task, progress, completed_at,
           CAST(explanation AS text) AS explanation, pool_size
      FROM campaign_unit
     WHERE campaign = :campaign AND pool = :pool {where}
     ORDER BY rank, unit_code
"""
_START = (
    "(SELECT COALESCE(max(rank), 1) FROM campaign_unit"
    " WHERE campaign = :campaign AND pool = :pool AND rank <= :offset + 1)"
)
_SEEK = text(
    _PAGE.format(
        rows=_ROWS.format(where=f"AND rank >= {_START}")
        + f" OFFSET :offset + 1 - {_START} LIMIT :limit"
    )
)
_WITHIN = text(
    _PAGE.format(
        rows=_ROWS.format(where="AND unit_code LIKE :prefix") + " OFFSET :offset LIMIT :limit"
    )
)
_LINES = TypeAdapter(list[ExplanationLineRead])


def default_cadence(policy: CampaignPolicy) -> SnapshotCadence:
    """Movement is shown since the weekly snapshot, or the campaign's first cadence."""
    if SnapshotCadence.WEEKLY_FRIDAY in policy.cadences:
        return SnapshotCadence.WEEKLY_FRIDAY
    return policy.cadences[0]


async def live_ranking(
    uow: UnitOfWork,
    user: Principal,
    code: str,
    pool: str,
    offset: int,
    limit: int,
    cadence: SnapshotCadence | None = None,
) -> RankingRead:
    """A page of a pool's current ranking; units outside the caller's subtree are left out."""
    campaign = await load_campaign(uow, user, code)
    policy = policy_of(campaign)
    if pool not in {p.code for p in policy.pools}:
        raise NotFound(f"Campaign {code} has no pool {pool}.")
    cadence = cadence or default_cadence(policy)
    if cadence not in policy.cadences:
        raise RuleViolation(f"Campaign {code} has no {cadence} cadence.", field="cadence")
    params: dict[str, Any] = {
        "campaign": code,
        "pool": pool,
        "cadence": cadence.value,
        "offset": offset,
        "limit": limit,
    }
    query = _SEEK
    if not user.covers(campaign.scope_unit):  # positions differ in a subtree: plain offset
        query, params["prefix"] = _WITHIN, unit_prefix(user.jurisdiction) + "%"
    rows = (await uow.session.execute(query, params)).all()
    return RankingRead(
        campaign=code,
        pool=pool,
        pool_size=rows[0].pool_size if rows else 0,
        offset=offset,
        movement_cadence=cadence,
        movement_since=rows[0].since if rows else None,
        units=[_row(r) for r in rows],
    )


def _row(r: Row[*tuple[Any, ...]]) -> RankingRow:
    return RankingRow(
        unit_code=r.unit_code,
        name=r.name,
        score=r.score,
        rank=r.rank,
        movement=None if r.before is None else r.before - r.rank,
        value=r.value,
        task=r.task,
        progress=r.progress,
        completed_at=r.completed_at,
        explanation=explanation(r.explanation),
    )


@lru_cache(maxsize=8192)
def explanation(stored: str) -> list[ExplanationLineRead]:
    """A stored explanation, parsed; pages are read far more often than scores move."""
    return _LINES.validate_json(stored)
