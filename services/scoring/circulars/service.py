"""A snapshot's circular (通报): ranks per pool, praised, criticised, triggered actions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from libs.common.access import within
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from services.scoring.campaigns.models import Campaign
from services.scoring.campaigns.policies import policy_of
from services.scoring.domain.business_calendar import local_date
from services.scoring.domain.circular import (
    CircularPolicy,
    Heading,
    document_number,
    praised_and_criticised,
)
from services.scoring.domain.ranking import RankedUnit
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry
from services.scoring.snapshots.service import load_snapshot
from services.scoring.triggers.schemas import TriggerRead
from services.scoring.triggers.service import list_triggers


@dataclass(frozen=True)
class Circular:
    """Everything a circular shows."""

    campaign: Campaign
    snapshot: RankingSnapshot
    heading: Heading
    policy: CircularPolicy
    pools: dict[str, list[SnapshotEntry]]
    pool_labels: dict[str, str]
    praised: list[SnapshotEntry]
    criticised: list[SnapshotEntry]
    triggers: list[TriggerRead]


async def circular(uow: UnitOfWork, user: Principal, snapshot_id: uuid.UUID) -> Circular:
    """Gather a snapshot's circular: the bottom rule is the campaign's criticism trigger's.

    Praise and criticism are decided over the whole pools; a caller below the campaign's
    scope is shown their own subtree's units of them only."""
    snapshot, entries = await load_snapshot(uow, user, snapshot_id)
    campaign = await uow.session.get(Campaign, snapshot.campaign)
    assert campaign is not None
    policy = policy_of(campaign)
    pools: dict[str, list[SnapshotEntry]] = {}
    for entry in within(user, entries, _unit):
        pools.setdefault(entry.pool, []).append(entry)
    by_unit = {(e.pool, e.unit_code): e for e in entries}
    praised, criticised = praised_and_criticised(
        [_ranked(e) for e in entries], policy.circular, policy.triggers.criticism_bottom_n
    )
    issued_on = local_date(snapshot.taken_at)
    heading = Heading(
        office=policy.circular.issuing_office,
        number=document_number(
            policy.circular, issued_on.year, await _sequence(uow, snapshot, issued_on.year)
        ),
        issued_on=f"{issued_on.year}年{issued_on.month}月{issued_on.day}日",
        title=f"关于{campaign.name}工作进度排名情况的通报",
    )
    return Circular(
        campaign=campaign,
        snapshot=snapshot,
        heading=heading,
        policy=policy.circular,
        pools=pools,
        pool_labels={p.code: p.label for p in policy.pools},
        praised=within(user, [by_unit[(u.pool, u.unit_id)] for u in praised], _unit),
        criticised=within(user, [by_unit[(u.pool, u.unit_id)] for u in criticised], _unit),
        triggers=await list_triggers(uow, user, snapshot.campaign, snapshot_id),
    )


async def _sequence(uow: UnitOfWork, snapshot: RankingSnapshot, year: int) -> int:
    """The snapshot's place among the campaign's circulars issued (taken) in `year`.

    Snapshots are never deleted and each is issued once, so the number is stable: a late
    snapshot of an earlier period takes the next number, as a late document would.
    """
    taken = RankingSnapshot.taken_at
    earlier = (taken < snapshot.taken_at) | (
        (taken == snapshot.taken_at) & (RankingSnapshot.id <= snapshot.id)
    )
    count = await uow.session.scalar(
        select(func.count())
        .select_from(RankingSnapshot)
        .where(
            RankingSnapshot.campaign == snapshot.campaign,
            func.extract("year", func.timezone("Asia/Shanghai", taken)) == year,
            earlier,
        )
    )
    return int(count or 1)


def _unit(e: SnapshotEntry) -> str:
    return e.unit_code


def _ranked(e: SnapshotEntry) -> RankedUnit:
    return RankedUnit(
        e.unit_code, e.pool, e.score, e.rank, e.rank_from_bottom, e.pool_size, e.movement, False
    )
