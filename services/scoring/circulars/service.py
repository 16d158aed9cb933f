"""A snapshot's circular (通报): ranks per pool, praised, criticised, triggered actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from services.scoring.campaigns.models import Campaign
from services.scoring.campaigns.policies import policy_of
from services.scoring.domain.ranking import RankedUnit, in_bottom
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry
from services.scoring.snapshots.service import load_snapshot
from services.scoring.triggers.schemas import TriggerRead
from services.scoring.triggers.service import list_triggers

PRAISED_TOP = 3
"""通报表扬: the first three of each pool (ties share the place)."""


@dataclass(frozen=True)
class Circular:
    """Everything a circular shows."""

    campaign: Campaign
    snapshot: RankingSnapshot
    pools: dict[str, list[SnapshotEntry]]
    pool_labels: dict[str, str]
    praised: list[SnapshotEntry]
    criticised: list[SnapshotEntry]
    triggers: list[TriggerRead]


async def circular(uow: UnitOfWork, user: Principal, snapshot_id: uuid.UUID) -> Circular:
    """Gather a snapshot's circular: the bottom rule is the campaign's criticism trigger's."""
    snapshot, entries = await load_snapshot(uow, user, snapshot_id)
    campaign = await uow.session.get(Campaign, snapshot.campaign)
    assert campaign is not None
    policy = policy_of(campaign)
    bottom_n = policy.triggers.criticism_bottom_n
    pools: dict[str, list[SnapshotEntry]] = {}
    for entry in entries:
        pools.setdefault(entry.pool, []).append(entry)
    return Circular(
        campaign=campaign,
        snapshot=snapshot,
        pools=pools,
        pool_labels={p.code: p.label for p in policy.pools},
        praised=[e for e in entries if e.rank <= PRAISED_TOP and e.pool_size > PRAISED_TOP],
        criticised=[e for e in entries if in_bottom(_ranked(e), bottom_n)],
        triggers=await list_triggers(uow, user, snapshot.campaign, snapshot_id),
    )


def _ranked(e: SnapshotEntry) -> RankedUnit:
    return RankedUnit(
        e.unit_code, e.pool, e.score, e.rank, e.rank_from_bottom, e.pool_size, e.movement, False
    )
