"""The outbox relay: publishes committed outbox rows to Kafka, in order, at least once.

One relay per service database is the leader (PostgreSQL advisory lock), so replay
positions are assigned in publish order by one writer. It wakes on the NOTIFY that an
outbox insert sends at commit, with a slow poll as the fallback, and publishes in batches.
A row is marked published only after the broker acknowledged it (acks=all).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common import kafka, maintenance
from libs.common import outbox as outbox_rows
from libs.common.logging import get_logger
from libs.common.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST_AGE,
    RELAY_PUBLISH_FAILURES,
)
from libs.common.platform_schema import NOTIFY_CHANNEL, outbox

log = get_logger(__name__)
LEADER_LOCK_KEY = 7_401_001
BATCH_SIZE = 500
PURGE_EVERY_SECONDS = 3600
BACKLOG_EVERY_SECONDS = 1.0
FIRST_BACKOFF_SECONDS = 0.5
LONGEST_BACKOFF_SECONDS = 4.0
TOPICS_EVERY_SECONDS = 1.0
"""A broker back after a restart is published to within seconds, not after a long wait."""
_MARK_PUBLISHED = text(
    """
    UPDATE outbox SET position = v.position, published_at = clock_timestamp()
    FROM unnest(CAST(:ids AS bigint[]), CAST(:positions AS bigint[])) AS v(id, position)
    WHERE outbox.id = v.id
    """
)
"""A published batch's rows and their replay positions, in one statement."""


class OutboxRelay:
    """Publishes one service's outbox; run `run()` as a task, set `stop` to end it."""

    def __init__(
        self,
        service: str,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        topic_prefix: str = "",
        poll_seconds: float = 1.0,
        bootstrap_servers: str | None = None,
    ) -> None:
        self.service = service
        self.bootstrap_servers = bootstrap_servers
        self.engine = engine
        self.producer = producer
        self.topic_prefix = topic_prefix
        self.poll_seconds = poll_seconds
        self.stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._counted_at = 0.0
        self._topics_checked_at = 0.0

    async def run(self) -> None:
        """Become leader when possible and publish until stopped."""
        backoff = FIRST_BACKOFF_SECONDS
        while not self.stop.is_set():
            try:
                await self._lead()
                backoff = FIRST_BACKOFF_SECONDS
            except Exception as exc:  # database or broker down: retry with backoff
                RELAY_PUBLISH_FAILURES.labels(self.service).inc()
                log.warning("outbox relay failed, retrying", error=repr(exc), backoff=backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, LONGEST_BACKOFF_SECONDS)
                self._topics_checked_at = 0.0

    async def _lead(self) -> None:
        async with self.engine.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            if not await raw.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY):
                await self._sleep(self.poll_seconds * 5)
                return
            await raw.add_listener(NOTIFY_CHANNEL, self._on_notify)
            try:
                await self._publish_until_stopped()
            finally:
                with contextlib.suppress(Exception):
                    await raw.remove_listener(NOTIFY_CHANNEL, self._on_notify)
                    await raw.execute("SELECT pg_advisory_unlock($1)", LEADER_LOCK_KEY)

    async def _publish_until_stopped(self) -> None:
        purged_at = 0.0
        while not self.stop.is_set():
            self._wake.clear()
            while await self.publish_batch() == BATCH_SIZE:
                pass
            await self._update_backlog()
            if time.monotonic() - purged_at > PURGE_EVERY_SECONDS:
                log.info("purged platform tables", **await maintenance.purge(self.engine))
                purged_at = time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def publish_batch(self) -> int:
        """Publish the oldest unpublished rows; return how many were published."""
        async with self.engine.begin() as conn:
            claimed = (
                await conn.execute(
                    select(
                        outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.type, outbox.c.envelope
                    )
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(BATCH_SIZE)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not claimed:
                return 0
            await self._ensure_topics({row.topic for row in claimed})
            await self._send_all(claimed)
            positions = (
                (
                    await conn.execute(
                        text("SELECT nextval('outbox_position_seq') FROM generate_series(1, :n)"),
                        {"n": len(claimed)},
                    )
                )
                .scalars()
                .all()
            )
            marks = {"ids": [row.id for row in claimed], "positions": sorted(positions)}
            await conn.execute(_MARK_PUBLISHED, marks)
        for row in claimed:
            EVENTS_PUBLISHED.labels(self.service, row.type).inc()
        return len(claimed)

    async def _send_all(self, rows: Sequence[Any]) -> None:
        futures = []
        for row in rows:
            value = outbox_rows.encode(row.envelope)
            futures.append(
                await self.producer.send(
                    self.topic_prefix + row.topic, value=value, key=row.key.encode()
                )
            )
        await asyncio.gather(*futures)

    async def _ensure_topics(self, topics: set[str]) -> None:
        """Create the batch's topics when the broker does not know them, checked at most once
        a second and after every failure. A broker that restarted empty (the embedded one
        keeps nothing) acknowledges a produce to a topic it lost and keeps nothing of it
        (docs/operations.md, "The broker restarted"): the topic must exist before the send."""
        if self.bootstrap_servers is None:
            return
        if time.monotonic() - self._topics_checked_at < TOPICS_EVERY_SECONDS:
            return
        known = (await self.producer.client.fetch_all_metadata()).topics()
        missing = [self.topic_prefix + t for t in topics if self.topic_prefix + t not in known]
        if missing:
            log.warning("re-creating topics the broker lost", topics=missing)
            await kafka.ensure_topics(self.bootstrap_servers, missing)
        self._topics_checked_at = time.monotonic()

    async def _update_backlog(self) -> None:
        """Count the backlog and its oldest row's age for the gauges, at most once a second
        (a busy relay loops often)."""
        if time.monotonic() - self._counted_at < BACKLOG_EVERY_SECONDS:
            return
        async with self.engine.connect() as conn:
            backlog, oldest_age = await outbox_rows.pending(conn)
        OUTBOX_BACKLOG.labels(self.service).set(backlog)
        OUTBOX_OLDEST_AGE.labels(self.service).set(oldest_age)
        self._counted_at = time.monotonic()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stop.wait(), seconds)
