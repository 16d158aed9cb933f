"""Rebuild: recompute every metric, rank and provisional score from the event log.

Runs in one transaction that blocks live updates: capture the live state, reset what is
derived, replay the logged events in their application order through the same code the
handlers run (without emitting events), capture again and compare. With `check` the
transaction is rolled back, so the live state stays as it was; otherwise the rebuilt
state replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from libs.common.events import registry
from services.scoring import service
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.campaigns.policies import policy_of
from services.scoring.credit import scoring
from services.scoring.credit.models import CreditEntity, CreditItemRow
from services.scoring.eventlog import service as eventlog
from services.scoring.models import UnitPaymentTally
from services.scoring.rankings import metrics, ranks

State = dict[str, dict[Any, tuple[Any, ...]]]


@dataclass(frozen=True)
class Difference:
    """One row whose live and rebuilt values differ (None: the row is missing)."""

    table: str
    key: Any
    live: tuple[Any, ...] | None
    rebuilt: tuple[Any, ...] | None


async def capture(session: AsyncSession) -> State:
    """The derived state, keyed per table."""
    cu, ce, ci, t = CampaignUnit, CreditEntity, CreditItemRow, UnitPaymentTally
    queries = {
        "campaign_unit": select(
            cu.campaign, cu.unit_code, cu.value, cu.amount, cu.task, cu.progress,
            cu.stage_progress, cu.completed_at, cu.score, cu.explanation, cu.rank,
            cu.rank_from_bottom, cu.pool_size,
        ),
        "credit_entity": select(
            ce.credit_code, ce.provisional_score, ce.provisional_grade, ce.policy_version,
            ce.explanation, ce.score_as_of,
        ),
        "credit_item": select(ci.id, ci.credit_code, ci.kind, ci.occurred_at, ci.withdrawn),
        "unit_payment_tally": select(t.unit_code, t.scheme_code, t.year, t.payments, t.amount),
    }  # fmt: skip
    widths = {"campaign_unit": 2, "credit_entity": 1, "credit_item": 1, "unit_payment_tally": 3}
    state: State = {}
    for table, query in queries.items():
        n = widths[table]
        rows = (await session.execute(query)).all()
        state[table] = {tuple(r[:n]) if n > 1 else r[0]: tuple(r[n:]) for r in rows}
    return state


def compare(live: State, rebuilt: State) -> list[Difference]:
    """Every row that differs between two states."""
    differences = []
    for table in sorted(live):
        before, after = live[table], rebuilt.get(table, {})
        for key in sorted(set(before) | set(after), key=str):
            if before.get(key) != after.get(key):
                differences.append(Difference(table, key, before.get(key), after.get(key)))
    return differences


async def _reset(uow: UnitOfWork) -> set[str]:
    session = uow.session
    withdrawn = set(
        await session.scalars(select(CreditItemRow.id).where(CreditItemRow.withdrawn.is_(True)))
    )
    await session.execute(delete(CreditItemRow))
    await session.execute(delete(UnitPaymentTally))
    await session.execute(
        update(CreditEntity).values(
            provisional_score=None,
            provisional_grade=None,
            policy_version=None,
            explanation=None,
            score_as_of=None,
        )
    )
    for row, campaign in (
        await session.execute(
            select(CampaignUnit, Campaign).join(Campaign, Campaign.code == CampaignUnit.campaign)
        )
    ).all():
        row.value = row.amount = row.progress = 0  # type: ignore[assignment]
        row.task, row.stage_progress = row.defined_task, {}
        row.completed_at = row.last_event_at = None
        metrics.rescore(row, policy_of(campaign))
    await session.flush()
    return withdrawn


async def _finish(uow: UnitOfWork, withdrawn: set[str]) -> None:
    session = uow.session
    if withdrawn:
        await session.execute(
            update(CreditItemRow).where(CreditItemRow.id.in_(withdrawn)).values(withdrawn=True)
        )
    entities = await session.scalars(
        select(CreditEntity).where(CreditEntity.basic_posted_at.is_not(None))
    )
    for entity in entities.all():
        assert entity.basic_posted_at is not None
        await scoring.recompute(uow, entity, entity.basic_posted_at, None, emit=False)
    for code in (await session.scalars(select(Campaign.code))).all():
        await ranks.rerank_campaign(session, code)
    await session.flush()


async def rebuild(
    sessions: async_sessionmaker[AsyncSession], *, check: bool
) -> tuple[int, list[Difference]]:
    """Recompute the derived state from the event log; keep it unless `check`.

    Returns the number of events replayed and the differences from the live state.
    """
    async with sessions() as session, UnitOfWork(session) as uow:
        await session.execute(
            text(
                "LOCK TABLE event_log, campaign_unit, credit_entity, credit_item, "
                "unit_payment_tally IN EXCLUSIVE MODE"
            )
        )
        live = await capture(session)
        withdrawn = await _reset(uow)
        events = 0
        async for envelope in eventlog.replay(session):
            await service.derive(uow, registry.parse(envelope), envelope, emit=False)
            events += 1
        await _finish(uow, withdrawn)
        session.expire_all()
        differences = compare(live, await capture(session))
        if not check:
            await uow.commit()
    return events, differences
