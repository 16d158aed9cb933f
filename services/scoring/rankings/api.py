"""Live rankings of a campaign's pools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from libs.common.access import Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code, Offset
from libs.common.deps import ReadConnectionDep
from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.rankings import service
from services.scoring.rankings.schemas import RankingRead
from services.scoring.roles import READERS
from services.scoring.scopes import CAMPAIGN

router = APIRouter(prefix="/campaigns", tags=["rankings"])
Reader = Annotated[Principal, allow(Policy.of((READERS, CAMPAIGN)))]


@router.get("/{code}/pools/{pool}/ranking", response_model=RankingRead)
async def get_ranking(
    code: Code,
    pool: Code,
    user: Reader,
    conn: ReadConnectionDep,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    cadence: Annotated[
        SnapshotCadence | None,
        Query(description="Movement since this cadence's latest snapshot (default weekly)."),
    ] = None,
) -> RankingRead:
    """The pool's live ranking, best first: score, rank, movement and explanation per unit."""
    return await service.live_ranking(conn, user, code, pool, offset, limit, cadence)
