"""Housekeeping of the platform tables, run by the relay leader (once per database).

Published outbox rows are kept `outbox_retention` (the window in which a consumer can
re-sync); inbox rows longer, so an event replayed inside that window is still recognised.
Dead letters are never deleted automatically.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Table, delete, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.platform_schema import idempotency_key, inbox, outbox

BATCH = 5_000
OUTBOX_RETENTION = timedelta(days=7)
INBOX_RETENTION = timedelta(days=30)
IDEMPOTENCY_RETENTION = timedelta(days=7)


async def purge(engine: AsyncEngine, now: datetime | None = None) -> dict[str, int]:
    """Delete expired rows in small batches (short locks); return how many per table."""
    now = now or datetime.now(UTC)
    expired = {
        outbox: outbox.c.published_at < now - OUTBOX_RETENTION,
        inbox: inbox.c.processed_at < now - INBOX_RETENTION,
        idempotency_key: idempotency_key.c.created_at < now - IDEMPOTENCY_RETENTION,
    }
    return {
        table.name: await _purge_batches(engine, table, when) for table, when in expired.items()
    }


async def _purge_batches(engine: AsyncEngine, table: Table, expired: ColumnElement[bool]) -> int:
    row: ColumnElement[str] = literal_column("ctid")
    total = 0
    while True:
        async with engine.begin() as conn:
            batch = select(row).select_from(table).where(expired).limit(BATCH)
            result = await conn.execute(delete(table).where(row.in_(batch.scalar_subquery())))
        total += result.rowcount
        if result.rowcount < BATCH:
            return total
