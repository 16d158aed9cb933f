"""The Kafka side of consuming: batches fetched from the broker are handed to the service's
`EventApplier` (libs/common/applier.py), and their offsets committed only after the
applier's database commit.

A failure before that commit leaves the offsets where they were: the restarted consumer
reads the batch again and the inbox skips what was already applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener

from libs.common.applier import EventApplier
from libs.common.event_handlers import Delivery
from libs.common.logging import get_logger
from libs.common.metrics import CONSUMER_LAG, CONSUMER_LAST_PROGRESS

log = get_logger(__name__)

FETCH_MAX_WAIT_MS = 100
LONGEST_BACKOFF_SECONDS = 4.0
"""Reconnecting to a restarted broker is tried at least this often."""


class _CommitOnRevoke(ConsumerRebalanceListener):
    """Waits for the batch in flight to finish before partitions move to another member."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self.lock = lock

    async def on_partitions_revoked(self, revoked: Any) -> None:
        async with self.lock:
            pass

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class KafkaEventConsumer:
    """Feeds Kafka batches to an `EventApplier`; commits offsets after each applied batch."""

    def __init__(
        self,
        applier: EventApplier,
        bootstrap_servers: str,
        topics: Sequence[str],
        *,
        group_id: str,
        max_records: int = 500,
    ) -> None:
        self.applier = applier
        self.bootstrap_servers = bootstrap_servers
        self.topics = list(topics)
        self.group_id = group_id
        self.max_records = max_records
        self.stop = asyncio.Event()
        self._lock = asyncio.Lock()
        self.lag: dict[tuple[str, int], int] = {}
        """Messages behind the log end, by topic and partition, as last measured."""
        self.in_flight = 0
        """Messages fetched but not yet applied and committed (kept after a failed batch:
        it is read again)."""
        self.last_progress = time.time()
        """Unix time of the last applied batch (or of the start): readiness and the
        `consumer_last_progress_timestamp_seconds` gauge compare it with the lag."""

    def progressed(self, at: float | None = None) -> None:
        """Record that the consumer moved forward (a batch applied, or it started)."""
        self.last_progress = time.time() if at is None else at
        CONSUMER_LAST_PROGRESS.labels(self.applier.service).set(self.last_progress)

    def stalled_seconds(self, now: float | None = None) -> float:
        """How long the consumer has been behind without applying anything (0 when it is
        caught up: an idle consumer is not stuck)."""
        if self.behind() <= 0:
            return 0.0
        return max((time.time() if now is None else now) - self.last_progress, 0.0)

    def behind(self) -> int:
        """Messages not yet applied: the batch in flight and the lag beyond it."""
        return self.in_flight + sum(self.lag.values())

    async def run(self) -> None:
        """Consume until stopped, reconnecting with backoff when the broker goes away."""
        backoff = 0.5
        self.progressed()
        while not self.stop.is_set():
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self.bootstrap_servers,
                group_id=self.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                metadata_max_age_ms=5_000,
                # The broker answers a fetch as soon as data arrives or after this wait: a
                # short wait keeps an idle consumer's event-to-effect latency low.
                fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            )
            try:
                await consumer.start()
                consumer.subscribe(self.topics, listener=_CommitOnRevoke(self._lock))
                await self._consume(consumer)
                backoff = 0.5
            except Exception as exc:
                log.warning("consumer failed, restarting", error=repr(exc), backoff=backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), backoff)
                backoff = min(backoff * 2, LONGEST_BACKOFF_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        while not self.stop.is_set():
            batches = await consumer.getmany(timeout_ms=500, max_records=self.max_records)
            if not batches:
                await self._record_lag(consumer)
                continue
            async with self._lock:
                await self._apply_and_commit(consumer, batches)

    async def _apply_and_commit(self, consumer: AIOKafkaConsumer, batches: dict[Any, Any]) -> None:
        deliveries = [
            Delivery(tp.topic, m.value, m.key, tp.partition, m.offset)
            for tp, messages in batches.items()
            for m in messages
        ]
        self.in_flight = len(deliveries)
        await self._record_lag(consumer)  # what waits beyond this batch
        # On failure nothing is committed: the restarted consumer re-reads from the
        # last committed offsets and the inbox skips what was already applied.
        await self.applier.apply(deliveries)
        await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
        self.in_flight = 0
        self.progressed()
        await self._record_lag(consumer)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        lags: dict[tuple[str, int], int] = {}  # partitions moved to another member drop out
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = await consumer.position(tp)
            lag = lags[(tp.topic, tp.partition)] = max(highwater - position, 0)
            CONSUMER_LAG.labels(self.applier.service, tp.topic, str(tp.partition)).set(lag)
        self.lag = lags
