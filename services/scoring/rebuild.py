"""Rebuild: recompute every metric, rank and provisional score from the event log.

Runs in one transaction that blocks live updates: capture the live state, reset what is
derived, replay the logged events in their application order (the same effects the
handlers derive, applied in batches, without emitting events), rescore every entity once,
capture again and compare. With `check` the transaction is rolled back, so the live state
stays as it was; otherwise the rebuilt state replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, null, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from services.scoring.campaigns import metrics, ranks
from services.scoring.campaigns.models import Campaign, CampaignUnit
from services.scoring.credit import bulk, policies
from services.scoring.credit import replay as credit_replay
from services.scoring.credit.models import CreditEntity, CreditItemRow
from services.scoring.derivation import effects_of
from services.scoring.eventlog import service as eventlog
from services.scoring.eventlog.service import Logged
from services.scoring.memory import no_cycle_collection
from services.scoring.tallies import service as tallies_service
from services.scoring.tallies.models import UnitPaymentTally

State = dict[str, dict[Any, tuple[Any, ...]]]
CREDIT_BATCH = 5000
REPLAY_BATCH = 20_000


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
            cu.campaign, cu.unit_code, cu.value, cu.amount, cu.persons, cu.task, cu.progress,
            _text(cu.stage_progress), cu.completed_at, cu.reading_as_of, _text(cu.day_facts),
            _text(cu.late_facts), cu.counts_amount, cu.score,
            _text(cu.explanation), cu.rank, cu.rank_from_bottom, cu.pool_size,
        ),
        "credit_entity": select(
            ce.credit_code, ce.provisional_score, ce.provisional_grade, ce.policy_version,
            _text(ce.explanation), ce.score_as_of,
        ),
        "credit_item": select(
            ci.id, ci.credit_code, ci.kind, ci.occurred_at, ci.withdrawn, ci.cleared_at
        ),
        "unit_payment_tally": select(t.unit_code, t.scheme_code, t.year, t.payments, t.amount),
    }  # fmt: skip
    widths = {"campaign_unit": 2, "credit_entity": 1, "credit_item": 1, "unit_payment_tally": 3}
    state: State = {}
    for table, query in queries.items():
        n = widths[table]
        rows = (await session.execute(query)).all()
        state[table] = {tuple(r[:n]) if n > 1 else r[0]: tuple(r[n:]) for r in rows}
    return state


def _text(column: Any) -> Any:
    """JSONB as its canonical text: compared as is, never decoded."""
    return cast(column, Text)


def compare(live: State, rebuilt: State) -> list[Difference]:
    """Every row that differs between two states."""
    differences = []
    for table in sorted(live):
        before, after = live[table], rebuilt.get(table, {})
        for key in sorted(set(before) | set(after), key=str):
            if before.get(key) != after.get(key):
                differences.append(Difference(table, key, before.get(key), after.get(key)))
    return differences


async def _reset(session: AsyncSession) -> set[str]:
    withdrawn = set(
        await session.scalars(select(CreditItemRow.id).where(CreditItemRow.withdrawn.is_(True)))
    )
    await session.execute(text("DELETE FROM credit_item"))
    await session.execute(text("DELETE FROM unit_payment_tally"))
    await session.execute(
        update(CreditEntity).values(
            provisional_score=None,
            provisional_grade=None,
            policy_version=None,
            explanation=null(),  # SQL NULL, as never scored; None would store JSON null
            score_as_of=None,
        )
    )
    await session.run_sync(metrics.reset_units)
    return withdrawn


async def _replay(
    session: AsyncSession,
    batch: list[Logged],
    working: metrics.WorkingSet,
    tallies: tallies_service.TallySums,
) -> None:
    effects = [effects_of(logged.event, logged.event_id, logged.time) for logged in batch]
    tallies_service.sum_tallies([e.tally for e in effects if e.tally is not None], tallies)
    changes = [e.change for e in effects if e.change is not None]
    await session.run_sync(working.apply, changes)
    await credit_replay.apply_facts(session, effects)


async def _finish(session: AsyncSession, withdrawn: set[str]) -> None:
    if withdrawn:
        await session.execute(
            update(CreditItemRow).where(CreditItemRow.id.in_(withdrawn)).values(withdrawn=True)
        )
    rules = await policies.in_force(session)
    after: str | None = ""
    while after is not None:
        _, after = await bulk.recompute_batch(
            session, rules, after, CREDIT_BATCH, announce=False, cause="rebuild"
        )
    for code in (await session.scalars(select(Campaign.code))).all():
        await ranks.rerank_campaign(session, code)


async def rebuild(
    sessions: async_sessionmaker[AsyncSession], *, check: bool
) -> tuple[int, list[Difference]]:
    """Recompute the derived state from the event log; keep it unless `check`.

    Returns the number of events replayed and the differences from the live state.
    """
    with no_cycle_collection():
        return await _rebuild(sessions, check=check)


async def _rebuild(
    sessions: async_sessionmaker[AsyncSession], *, check: bool
) -> tuple[int, list[Difference]]:
    async with sessions() as session, UnitOfWork(session) as uow:
        await session.execute(
            text(
                "LOCK TABLE event_log, campaign_unit, credit_entity, credit_item, "
                "unit_payment_tally IN EXCLUSIVE MODE"
            )
        )
        live = await capture(session)
        withdrawn = await _reset(session)
        events, tallies = 0, tallies_service.TallySums()
        working = await session.run_sync(metrics.WorkingSet)
        async for batch in eventlog.replay(session, REPLAY_BATCH):
            await _replay(session, batch, working, tallies)
            events += len(batch)
        await tallies_service.write_tallies(session, tallies)
        await session.run_sync(lambda sync: working.flush(sync, rerank=False))
        await _finish(session, withdrawn)
        session.expire_all()
        differences = compare(live, await capture(session))
        if not check:
            await uow.commit()
    return events, differences
