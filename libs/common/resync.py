"""Re-sync from a producer's outbox, so that a broker that lost messages loses no event.

The producer serves its published outbox rows in replay-position order
(`GET /internal/outbox?after=N`). Each consumer keeps, per producer, the position it has
re-synced through and periodically pulls what was published after it, older than a grace
period (so Kafka stays the normal path). Rows already applied are skipped by the inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from libs.common import outbox as outbox_rows
from libs.common.applier import EventApplier
from libs.common.event_handlers import Delivery
from libs.common.logging import get_logger
from libs.common.platform_schema import outbox, sync_checkpoint

log = get_logger(__name__)
PAGE_SIZE = 1000


async def read_published(
    conn: AsyncConnection, after: int, limit: int, published_before: datetime | None
) -> list[dict[str, Any]]:
    """Published rows after a replay position, in position order (the producer side)."""
    query = (
        select(outbox.c.position, outbox.c.topic, outbox.c.key, outbox.c.envelope)
        .where(outbox.c.position > after)
        .order_by(outbox.c.position)
        .limit(limit)
    )
    if published_before is not None:
        query = query.where(outbox.c.published_at < published_before)
    rows = (await conn.execute(query)).all()
    return [dict(row._mapping) for row in rows]


async def checkpoint_of(engine: AsyncEngine, source: str) -> int:
    """The position a consumer has re-synced through for one producer."""
    async with engine.connect() as conn:
        value = await conn.scalar(
            select(sync_checkpoint.c.position).where(sync_checkpoint.c.source == source)
        )
    return int(value or 0)


async def save_checkpoint(engine: AsyncEngine, source: str, position: int) -> None:
    """Record the re-sync position for one producer."""
    stmt = pg_insert(sync_checkpoint).values(source=source, position=position)
    stmt = stmt.on_conflict_do_update(
        index_elements=[sync_checkpoint.c.source],
        set_={"position": stmt.excluded.position, "updated_at": datetime.now(UTC)},
    )
    async with engine.begin() as conn:
        await conn.execute(stmt)


class OutboxResync:
    """Pulls each producer's outbox through the applier; run `run()` as a task."""

    def __init__(
        self,
        applier: EventApplier,
        engine: AsyncEngine,
        sources: dict[str, str],
        *,
        token: str = "",
        interval_seconds: float = 10.0,
        grace_seconds: float = 10.0,
        page_size: int = PAGE_SIZE,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.applier = applier
        self.engine = engine
        self.sources = sources
        self.token = token
        self.interval_seconds = interval_seconds
        self.grace_seconds = grace_seconds
        self.page_size = page_size
        self.transport = transport
        self.stop = asyncio.Event()

    async def run(self) -> None:
        """Re-sync every interval until stopped."""
        # One client for the task's life: a new one loads the CA bundle (a blocking ~0.2 s
        # on a small VM), which stalled the live consumer every round.
        async with httpx.AsyncClient(timeout=30.0, transport=self.transport) as client:
            while not self.stop.is_set():
                for source, base_url in self.sources.items():
                    try:
                        await self.resync(source, base_url, client)
                    except Exception as exc:  # producer down: try again next round
                        log.info("re-sync skipped", source=source, error=repr(exc))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), self.interval_seconds)

    async def resync(self, source: str, base_url: str, client: httpx.AsyncClient) -> int:
        """Apply everything `source` published after the checkpoint; return how many rows."""
        after = await checkpoint_of(self.engine, source)
        before = datetime.now(UTC) - timedelta(seconds=self.grace_seconds)
        total = 0
        while True:
            rows = await self._fetch(client, base_url, after, before)
            if not rows:
                return total
            await self.applier.apply(_deliveries(rows))
            after = int(rows[-1]["position"])
            await save_checkpoint(self.engine, source, after)
            total += len(rows)

    async def _fetch(
        self, client: httpx.AsyncClient, base_url: str, after: int, before: datetime
    ) -> list[dict[str, Any]]:
        response = await client.get(
            f"{base_url.rstrip('/')}/internal/outbox",
            params={
                "after": after,
                "limit": self.page_size,
                "published_before": before.isoformat(),
            },
            headers={"Authorization": f"Bearer {self.token}"} if self.token else {},
        )
        response.raise_for_status()
        return list(response.json()["events"])


def _deliveries(rows: Sequence[dict[str, Any]]) -> list[Delivery]:
    return [
        Delivery(
            topic=row["topic"], value=outbox_rows.encode(row["envelope"]), key=row["key"].encode()
        )
        for row in rows
    ]
