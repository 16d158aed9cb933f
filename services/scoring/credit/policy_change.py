"""Adopting credit rules and recomputing every provisional score under them, in bulk."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common.db import UnitOfWork
from libs.common.event_handlers import is_transient
from services.scoring.credit import bulk, policies
from services.scoring.domain.credit_rules import CreditRules
from services.scoring.memory import no_cycle_collection

BATCH = 5000
ATTEMPTS = 3


async def recompute_all(
    sessions: async_sessionmaker[AsyncSession],
    rules: CreditRules,
    adopted_by: str,
    *,
    batch: int = BATCH,
) -> bulk.BulkOutcome:
    """Put `rules` in force, then rescore every entity with basic information under them.

    One transaction adopts the rules (live updates use them from then on); then each batch
    of entities commits on its own, so live events wait for one batch at most. Changed
    scores get a history row; changed effective grades a `credit.grade_changed`. While the
    database writes one batch, the next is read and scored (two cores, two workers).
    """
    async with sessions() as session, UnitOfWork(session) as uow:
        await policies.adopt(session, rules, adopted_by)
        await uow.commit()
    total, after = bulk.BulkOutcome(), ""
    writing: tuple[asyncio.Task[bulk.BulkOutcome], str, str] | None = None
    with no_cycle_collection():
        while True:
            session = sessions()
            try:
                scored = await bulk.score_batch(session, rules, after, batch, announce=True)
            except BaseException:
                await session.close()
                if writing is not None:
                    await asyncio.gather(writing[0], return_exceptions=True)
                raise
            if writing is not None:
                total.add(await _settled(sessions, rules, batch, *writing))
            if scored.last is None:
                await session.close()
                return total
            writing = (asyncio.create_task(_write(session, rules, scored)), after, scored.last)
            after = scored.last


async def _write(
    session: AsyncSession, rules: CreditRules, scored: bulk.Scored
) -> bulk.BulkOutcome:
    try:
        await bulk.write_batch(session, scored, history=True, cause=_cause(rules))
        await session.commit()
        return scored.outcome
    finally:
        await session.close()


async def _settled(
    sessions: async_sessionmaker[AsyncSession],
    rules: CreditRules,
    size: int,
    task: asyncio.Task[bulk.BulkOutcome],
    after: str,
    until: str,
) -> bulk.BulkOutcome:
    """A batch's outcome once written; a deadlock with a live update redoes that batch."""
    try:
        return await task
    except Exception as exc:
        if not is_transient(exc):
            raise
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with sessions() as session, UnitOfWork(session) as uow:
                outcome, _ = await bulk.recompute_batch(
                    session, rules, after, size, announce=True, cause=_cause(rules), until=until
                )
                await uow.commit()
                return outcome
        except Exception as exc:
            if attempt == ATTEMPTS or not is_transient(exc):
                raise
    raise AssertionError("unreachable")


def _cause(rules: CreditRules) -> str:
    return f"policy:{rules.version}"
