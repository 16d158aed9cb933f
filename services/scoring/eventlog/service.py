"""Keeping and reading the applied events, so state can be rebuilt from them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import UnitOfWork
from libs.common.events.envelope import Envelope
from services.scoring.eventlog.models import EventLog


async def record(uow: UnitOfWork, envelope: Envelope) -> None:
    """Append an applied envelope to the event log, in the handler's transaction."""
    await uow.session.execute(
        pg_insert(EventLog)
        .values(
            event_id=uuid.UUID(envelope.id),
            type=envelope.type,
            subject=envelope.subject,
            time=envelope.time,
            envelope=envelope.model_dump(mode="json", exclude_none=True),
        )
        .on_conflict_do_nothing(index_elements=["event_id"])
    )


async def replay(session: AsyncSession, batch: int = 2000) -> AsyncIterator[Envelope]:
    """Every logged envelope in application order, read in batches."""
    after = 0
    while True:
        rows = (
            await session.execute(
                select(EventLog.seq, EventLog.envelope)
                .where(EventLog.seq > after)
                .order_by(EventLog.seq)
                .limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield Envelope.model_validate(row.envelope)
        after = rows[-1].seq
