"""The triggers due at a snapshot, evaluated when it is taken: recorded and announced once.

Part of taking a snapshot, so it lives with snapshots; the triggers package lists what fired.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.db import UnitOfWork
from libs.common.events.catalogue.scoring import TriggerAction as EventTriggerAction
from libs.common.events.catalogue.scoring import TriggerFired as TriggerFiredEvent
from libs.common.events.catalogue.scoring import TriggerKind as EventTriggerKind
from services.scoring.campaigns.models import Campaign
from services.scoring.campaigns.policies import policy_of
from services.scoring.domain.cadence import SnapshotCadence, period_key
from services.scoring.domain.periods import previous_period_day
from services.scoring.domain.ranking import RankedUnit, Snapshot
from services.scoring.domain.triggers import TriggerKind, fire_triggers
from services.scoring.snapshots.models import RankingSnapshot, SnapshotEntry
from services.scoring.triggers.models import TriggerFiring

EVENT_KIND = {
    TriggerKind.BOTTOM_TWICE_CRITICISM: EventTriggerKind.CRITICISM_CIRCULAR,
    TriggerKind.BOTTOM_TWICE_ADMONITION: EventTriggerKind.ADMONITION_TALK,
    TriggerKind.QUARTER_BEHIND: EventTriggerKind.EXPLAIN_AT_REPORT_MEETING,
    TriggerKind.QUARTER_BEHIND_TWICE: EventTriggerKind.DISCIPLINE_TALK,
}


async def domain_snapshot(uow: UnitOfWork, snapshot: RankingSnapshot) -> Snapshot:
    """A stored snapshot as the domain's trigger rules see it."""
    entries = (
        await uow.session.scalars(
            select(SnapshotEntry).where(SnapshotEntry.snapshot_id == snapshot.id)
        )
    ).all()
    ranked = tuple(
        RankedUnit(
            e.unit_code,
            e.pool,
            e.score,
            e.rank,
            e.rank_from_bottom,
            e.pool_size,
            e.movement,
            e.movement is None,
            e.progress,
        )
        for e in entries
    )
    cadence = SnapshotCadence(snapshot.cadence)
    return Snapshot(
        snapshot.period, snapshot.period_end, cadence, ranked, snapshot.expected_progress
    )


async def previous_of(uow: UnitOfWork, snapshot: RankingSnapshot) -> RankingSnapshot | None:
    """The snapshot of the period just before this one, same campaign and cadence, if taken.

    Only adjacent periods are consecutive: after a skipped week there is no previous one.
    """
    cadence = SnapshotCadence(snapshot.cadence)
    period = period_key(cadence, previous_period_day(cadence, snapshot.period_start))
    return await uow.session.scalar(
        select(RankingSnapshot).where(
            RankingSnapshot.campaign == snapshot.campaign,
            RankingSnapshot.cadence == snapshot.cadence,
            RankingSnapshot.period == period,
        )
    )


async def evaluate(uow: UnitOfWork, campaign: Campaign, snapshot: RankingSnapshot) -> int:
    """Fire the triggers due at `snapshot`; record and announce each once."""
    policy = policy_of(campaign)
    previous = await previous_of(uow, snapshot)
    current = await domain_snapshot(uow, snapshot)
    before = await domain_snapshot(uow, previous) if previous else None
    fired = fire_triggers(current, before, policy.triggers, policy.subject)
    now = datetime.now(UTC)
    for firing in fired:
        firing_id = uuid.uuid4()
        inserted = await uow.session.scalar(
            pg_insert(TriggerFiring)
            .values(
                id=firing_id,
                campaign=campaign.code,
                snapshot_id=snapshot.id,
                previous_snapshot_id=previous.id if previous else None,
                unit_code=firing.unit_id,
                pool=firing.pool,
                kind=firing.kind.value,
                rule=firing.kind.value,
                actions=[_action_json(a) for a in firing.actions],
                text=firing.text,
            )
            .on_conflict_do_nothing()
            .returning(TriggerFiring.id)
        )
        if inserted is None:
            continue
        snapshots = (previous.id, snapshot.id) if previous else (snapshot.id,)
        uow.emit(
            TriggerFiredEvent(
                trigger_id=firing_id,
                campaign=campaign.code,
                unit_code=firing.unit_id,
                kind=EVENT_KIND[firing.kind],
                rule=firing.kind.value,
                actions=tuple(EventTriggerAction(a.kind.value) for a in firing.actions),
                snapshot_ids=snapshots,
                fired_at=now,
            )
        )
    return len(fired)


def _action_json(action: object) -> dict[str, object]:
    data = asdict(action)  # type: ignore[call-overload]
    data["kind"] = str(data["kind"])
    data["responsible_roles"] = list(data["responsible_roles"])
    return data
