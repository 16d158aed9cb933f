"""Snapshots: freeze a campaign's ranking once per cadence and period, then fire triggers."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import insert, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased

from libs.common.access import within
from libs.common.auth import Principal, ensure_role
from libs.common.db import UnitOfWork
from libs.common.errors import NotFound, RuleViolation
from libs.common.events.catalogue.scoring import Cadence, RankingEntry, RankingPublished
from services.scoring import roles
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.campaigns.service import load_campaign
from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.cadence import SnapshotCadence, period_key
from services.scoring.domain.periods import period_bounds, period_closes_at
from services.scoring.domain.progress import elapsed_fraction
from services.scoring.snapshots import triggers
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry
from services.scoring.snapshots.schemas import SnapshotCreate, SnapshotEntryRead, SnapshotRead

EVENT_CADENCE = {
    SnapshotCadence.WEEKLY_FRIDAY: Cadence.WEEKLY,
    SnapshotCadence.MONTHLY: Cadence.MONTHLY,
    SnapshotCadence.QUARTERLY: Cadence.QUARTERLY,
}


def today() -> date:
    """Today in Asia/Shanghai."""
    return datetime.now(SHANGHAI).date()


async def take(
    uow: UnitOfWork, campaign: Campaign, cadence: SnapshotCadence, on: date, taken_by: str
) -> tuple[RankingSnapshot, bool]:
    """The period's snapshot: taken now unless it exists (any replica may race for it)."""
    policy = policy_of(campaign)
    if cadence not in policy.cadences:
        raise RuleViolation(f"Campaign {campaign.code} has no {cadence} cadence.", field="cadence")
    start, end = period_bounds(cadence, on)
    phase_start, phase_end = (
        policy.phase.starts.in_year(campaign.year),
        policy.phase.ends.in_year(campaign.year),
    )
    expected = elapsed_fraction(phase_start, phase_end, on).quantize(Decimal("0.000001"))
    snapshot_id = await uow.session.scalar(
        pg_insert(RankingSnapshot)
        .values(
            id=uuid.uuid4(),
            campaign=campaign.code,
            cadence=cadence.value,
            period=period_key(cadence, on),
            period_start=start,
            period_end=end,
            expected_progress=expected,
            taken_by=taken_by,
        )
        .on_conflict_do_nothing(constraint="uq_ranking_snapshot_period")
        .returning(RankingSnapshot.id)
    )
    if snapshot_id is None:
        existing = await uow.session.scalar(
            select(RankingSnapshot).where(
                RankingSnapshot.campaign == campaign.code,
                RankingSnapshot.cadence == cadence.value,
                RankingSnapshot.period == period_key(cadence, on),
            )
        )
        assert existing is not None
        return existing, False
    snapshot = await uow.session.get(RankingSnapshot, snapshot_id)
    assert snapshot is not None
    await _freeze_entries(uow, snapshot)
    await triggers.evaluate(uow, campaign, snapshot)
    await _publish(uow, snapshot, cadence)
    return snapshot, True


async def _freeze_entries(uow: UnitOfWork, snapshot: RankingSnapshot) -> None:
    """Copy the live ranking; movement is against the previous snapshot of the cadence."""
    cu, se = CampaignUnit, SnapshotEntry
    previous = await previous_snapshot_id(uow, snapshot)
    before = aliased(SnapshotEntry)
    # A primary-key lookup per unit: no join plan to go quadratic on a fresh snapshot's rows.
    previous_rank = (
        select(before.rank)
        .where(
            before.snapshot_id == previous,
            before.unit_code == cu.unit_code,
            before.pool == cu.pool,
        )
        .scalar_subquery()
        if previous is not None
        else literal(None, cu.rank.type)
    )
    source = select(
        literal(snapshot.id),
        cu.unit_code,
        cu.name,
        cu.pool,
        cu.score,
        cu.progress,
        cu.rank,
        cu.rank_from_bottom,
        cu.pool_size,
        previous_rank - cu.rank,
        cu.explanation,
    ).where(cu.campaign == snapshot.campaign)
    columns = ["snapshot_id", "unit_code", "name", "pool", "score", "progress", "rank"]
    columns += ["rank_from_bottom", "pool_size", "movement", "explanation"]
    await uow.session.execute(insert(se).from_select(columns, source))


async def previous_snapshot_id(uow: UnitOfWork, snapshot: RankingSnapshot) -> uuid.UUID | None:
    """The latest earlier snapshot of the same campaign and cadence (adjacent or not)."""
    cadence = SnapshotCadence(snapshot.cadence)
    found = await latest_snapshot(uow, snapshot.campaign, cadence, before=snapshot.period_end)
    return found[0] if found else None


async def latest_snapshot(
    uow: UnitOfWork, campaign: str, cadence: SnapshotCadence, before: date | None = None
) -> tuple[uuid.UUID, str] | None:
    """Id and period of the newest snapshot of a campaign's cadence (ending before `before`)."""
    rs = RankingSnapshot
    query = select(rs.id, rs.period).where(rs.campaign == campaign, rs.cadence == cadence.value)
    if before is not None:
        query = query.where(rs.period_end < before)
    row = (await uow.session.execute(query.order_by(rs.period_end.desc()).limit(1))).first()
    return (row.id, row.period) if row else None


async def _publish(uow: UnitOfWork, snapshot: RankingSnapshot, cadence: SnapshotCadence) -> None:
    entries = (
        await uow.session.scalars(
            select(SnapshotEntry)
            .where(SnapshotEntry.snapshot_id == snapshot.id)
            .order_by(SnapshotEntry.pool, SnapshotEntry.rank, SnapshotEntry.unit_code)
        )
    ).all()
    for pool in sorted({e.pool for e in entries}):
        uow.emit(
            RankingPublished(
                campaign=snapshot.campaign,
                pool=pool,
                cadence=EVENT_CADENCE[cadence],
                snapshot_id=snapshot.id,
                period_start=snapshot.period_start,
                period_end=snapshot.period_end,
                entries=tuple(
                    RankingEntry(subject_id=e.unit_code, rank=e.rank, score=e.score)
                    for e in entries
                    if e.pool == pool
                ),
                published_at=datetime.now(UTC),
            )
        )


def ensure_period_ended(cadence: SnapshotCadence, on: date, now: datetime) -> None:
    """Refuse (422, `on`) the snapshot of a period that has not ended at `now`: a ranking
    frozen mid-week would be published, and fire triggers, on half a week's figures."""
    closes_at = period_closes_at(cadence, on, SHANGHAI)
    if now < closes_at:
        raise RuleViolation(
            f"The {cadence} period holding {on} has not ended: it closes at "
            f"{closes_at.isoformat()} (Asia/Shanghai); its snapshot can be taken from then.",
            field="on",
            closes_at=closes_at.isoformat(),
        )


async def take_snapshot(
    uow: UnitOfWork, user: Principal, code: str, body: SnapshotCreate, now: datetime
) -> SnapshotRead:
    """Take the snapshot of a period now (officials and tests; the scheduler does it too)."""
    ensure_role(user, *roles.CAMPAIGN_MANAGERS)
    campaign = await load_campaign(uow, user, code)
    on = body.on or now.astimezone(SHANGHAI).date()
    ensure_period_ended(body.cadence, on, now)
    snapshot, created = await take(uow, campaign, body.cadence, on, user.subject)
    await uow.commit()
    read = SnapshotRead.model_validate(snapshot)
    read.created = created
    return read


async def list_snapshots(uow: UnitOfWork, user: Principal, code: str) -> list[SnapshotRead]:
    """A campaign's snapshots, newest period first."""
    await load_campaign(uow, user, code)
    rows = await uow.session.scalars(
        select(RankingSnapshot)
        .where(RankingSnapshot.campaign == code)
        .order_by(RankingSnapshot.period_end.desc(), RankingSnapshot.cadence)
    )
    return [SnapshotRead.model_validate(row) for row in rows]


async def load_snapshot(
    uow: UnitOfWork, user: Principal, snapshot_id: uuid.UUID
) -> tuple[RankingSnapshot, list[SnapshotEntry]]:
    """A snapshot and its entries, if the caller may see the campaign."""
    snapshot = await uow.session.get(RankingSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFound(f"No snapshot {snapshot_id}.")
    await load_campaign(uow, user, snapshot.campaign)
    entries = (
        await uow.session.scalars(
            select(SnapshotEntry)
            .where(SnapshotEntry.snapshot_id == snapshot_id)
            .order_by(SnapshotEntry.pool, SnapshotEntry.rank, SnapshotEntry.unit_code)
        )
    ).all()
    return snapshot, list(entries)


async def get_snapshot(uow: UnitOfWork, user: Principal, snapshot_id: uuid.UUID) -> SnapshotRead:
    """A snapshot with its entries."""
    snapshot, entries = await load_snapshot(uow, user, snapshot_id)
    read = SnapshotRead.model_validate(snapshot)
    shown = within(user, entries, lambda e: e.unit_code)  # a campaign above: own units only
    read.entries = [SnapshotEntryRead.model_validate(e) for e in shown]
    return read
