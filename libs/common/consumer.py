"""Idempotent event consumer: inbox in the same transaction as the effect, bounded
retries, dead letters, offsets committed only after the database commit.

A batch from Kafka is applied in ONE transaction. Each event runs in its own savepoint:
its inbox row (event id) and its handler's effect are kept or discarded together, so a
redelivered event is skipped and a crash before commit re-applies the whole batch once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common import optimistic, outbox
from libs.common.db import SavepointUnitOfWork, UnitOfWork
from libs.common.events import registry
from libs.common.events.envelope import Envelope, Event
from libs.common.logging import event_id_var, get_logger, request_id_var
from libs.common.metrics import (
    CONSUMER_LAG,
    EVENT_PROCESSING,
    EVENTS_CONSUMED,
    EVENTS_DEAD_LETTERED,
)
from libs.common.platform_schema import dead_letter, inbox

log = get_logger(__name__)

FETCH_MAX_WAIT_MS = 100

Handler = Callable[[UnitOfWork, Any, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Delivery:
    """One message as received, before decoding."""

    topic: str
    value: bytes
    key: bytes | None = None
    partition: int | None = None
    offset: int | None = None


class EventApplier:
    """Applies deliveries to a service database through its handlers, idempotently."""

    def __init__(
        self,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        handlers: Mapping[str, Handler],
        *,
        max_attempts: int = 3,
        dlq_topic: str | None = None,
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.handlers = dict(handlers)
        self.max_attempts = max_attempts
        self.dlq_topic = dlq_topic or f"gridgov.{service}.dlq"
        self._applied_times: list[datetime] = []
        self._replaying = False
        self._one_batch_at_a_time = asyncio.Lock()

    async def apply(self, deliveries: Sequence[Delivery]) -> list[str]:
        """Apply a batch in one transaction; return each delivery's outcome.

        Batches of one process (the Kafka consumer and the re-sync share the applier) run
        one after another, so they never wait on each other's row locks. A transient
        database error (deadlock with another replica, lost connection) raises: the whole
        batch is undone and delivered again later, never dead-lettered.
        """
        async with self._one_batch_at_a_time:
            return await self._apply_batch(deliveries)

    async def _apply_batch(self, deliveries: Sequence[Delivery]) -> list[str]:
        self._applied_times = []
        try:
            outcomes = await self._apply_optimistically(deliveries)
        except optimistic.TakeCare as why:
            log.info("batch applied event by event", reason=str(why))
            self._applied_times = []
            async with self.sessions() as session, session.begin():
                outcomes = [await self._apply_one(session, d) for d in deliveries]
        now = datetime.now(UTC)  # after the commit: the effect is visible from here on
        for created in self._applied_times:
            EVENT_PROCESSING.labels(self.service).observe(max((now - created).total_seconds(), 0))
        return outcomes

    async def _apply_optimistically(self, deliveries: Sequence[Delivery]) -> list[str]:
        """The whole batch in one go (libs/common/optimistic.py), counted once committed."""
        decoded = optimistic.decode(deliveries, self.handlers)
        async with self.sessions() as session, session.begin():
            outcomes = await optimistic.apply_all(session, decoded)
        for item, outcome in zip(decoded, outcomes, strict=True):
            self._count(item.envelope.type, outcome)
            if outcome == "applied":
                self._applied_times.append(item.envelope.time)
        return outcomes

    async def replay_dead_letters(self) -> dict[str, int]:
        """Apply every dead letter not yet replayed again (after a fix); count outcomes.

        A replay that still fails leaves its dead letter as it was; one that succeeds marks it
        replayed. Dead letters are never deleted.
        """
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(dead_letter)
                    .where(dead_letter.c.replayed_at.is_(None))
                    .order_by(dead_letter.c.id)
                )
            ).all()
        counts: dict[str, int] = {}
        self._replaying = True
        try:
            for row in rows:
                outcome = await self._replay_one(row)
                counts[outcome] = counts.get(outcome, 0) + 1
        finally:
            self._replaying = False
        return counts

    async def _replay_one(self, row: Any) -> str:
        delivery = Delivery(row.topic, row.value, row.key.encode() if row.key else None)
        async with self.sessions() as session, session.begin():
            outcome = await self._apply_one(session, delivery)
            if outcome != "dead_lettered":
                await session.execute(
                    update(dead_letter)
                    .where(dead_letter.c.id == row.id)
                    .values(replayed_at=datetime.now(UTC))
                )
        return outcome

    async def _apply_one(self, session: AsyncSession, delivery: Delivery) -> str:
        try:
            envelope = Envelope.model_validate_json(delivery.value)
            handler = self.handlers.get(envelope.type)
            if handler is None:
                return self._count(envelope.type, "ignored")
            event = registry.parse(envelope)
        except (ValidationError, registry.UnknownEventType, ValueError) as exc:
            await self._dead_letter(session, delivery, None, exc, attempts=1)
            return "dead_lettered"
        event_id_var.set(envelope.id)
        request_id_var.set(envelope.requestid)
        return await self._run_handler(session, delivery, envelope, event, handler)

    async def _run_handler(
        self,
        session: AsyncSession,
        delivery: Delivery,
        envelope: Envelope,
        event: Event,
        handler: Handler,
    ) -> str:
        error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            event_savepoint = await session.begin_nested()  # the inbox row and the effect
            try:
                if not await self._claim(session, envelope):
                    await event_savepoint.rollback()
                    return self._count(envelope.type, "duplicate")
                uow = SavepointUnitOfWork(session, await session.begin_nested())
                await handler(uow, event, envelope)
                await uow.finish()
                await event_savepoint.commit()
                self._applied_times.append(envelope.time)
                return self._count(envelope.type, "applied")
            except Exception as exc:
                if is_transient(exc):
                    raise
                error = exc
                if event_savepoint.is_active:
                    await event_savepoint.rollback()
                log.warning("handler failed", type=envelope.type, attempt=attempt, error=repr(exc))
                await asyncio.sleep(0.05 * attempt)
        assert error is not None
        await self._dead_letter(session, delivery, envelope, error, attempts=self.max_attempts)
        return "dead_lettered"

    async def _claim(self, session: AsyncSession, envelope: Envelope) -> bool:
        """Insert the inbox row; False when this event was already applied."""
        claimed = await session.execute(
            pg_insert(inbox)
            .values(event_id=uuid.UUID(envelope.id), type=envelope.type, source=envelope.source)
            .on_conflict_do_nothing()
            .returning(inbox.c.event_id)
        )
        return claimed.first() is not None

    async def _dead_letter(
        self,
        session: AsyncSession,
        delivery: Delivery,
        envelope: Envelope | None,
        error: Exception,
        *,
        attempts: int,
    ) -> None:
        if self._replaying:
            return
        event_id = envelope.id if envelope else None
        if event_id is not None:
            seen = await session.scalar(
                select(dead_letter.c.id).where(dead_letter.c.event_id == event_id)
            )
            if seen is not None:
                return
        await session.execute(
            insert(dead_letter).values(
                event_id=event_id,
                type=envelope.type if envelope else None,
                topic=delivery.topic,
                partition=delivery.partition,
                offset=delivery.offset,
                key=delivery.key.decode(errors="replace") if delivery.key else None,
                value=delivery.value,
                error=repr(error)[:2000],
                attempts=attempts,
            )
        )
        outbox.add_envelope(
            session, _dead_letter_envelope(self.service, delivery, error), self.dlq_topic
        )
        type_ = envelope.type if envelope else "undecodable"
        EVENTS_DEAD_LETTERED.labels(self.service, type_).inc()
        self._count(type_, "dead_lettered")
        log.error("event dead-lettered", type=type_, error=repr(error), topic=delivery.topic)

    def _count(self, type_: str, outcome: str) -> str:
        EVENTS_CONSUMED.labels(self.service, type_, outcome).inc()
        return outcome


TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "08000", "08003", "08006"})
"""Serialization failure, deadlock, lock timeout, admin shutdown, connection failures."""


def is_transient(exc: BaseException) -> bool:
    """True for a database error that says nothing about the event: try the batch again."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return sqlstate in TRANSIENT_SQLSTATES
    return isinstance(exc, ConnectionError | TimeoutError)


def _dead_letter_envelope(service: str, delivery: Delivery, error: Exception) -> Envelope:
    return Envelope(
        source=f"/gridgov/{service}",
        type="gridgov.platform.dead_letter.recorded.v1",
        subject=delivery.key.decode(errors="replace") if delivery.key else "unknown",
        data={
            "topic": delivery.topic,
            "partition": delivery.partition,
            "offset": delivery.offset,
            "value": delivery.value.decode(errors="replace"),
            "error": repr(error)[:2000],
        },
    )


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

    async def run(self) -> None:
        """Consume until stopped, reconnecting with backoff when the broker goes away."""
        backoff = 0.5
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
                backoff = min(backoff * 2, 30.0)
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
        # On failure nothing is committed: the restarted consumer re-reads from the
        # last committed offsets and the inbox skips what was already applied.
        await self.applier.apply(deliveries)
        await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
        await self._record_lag(consumer)

    async def _record_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue
            position = await consumer.position(tp)
            CONSUMER_LAG.labels(self.applier.service, tp.topic, str(tp.partition)).set(
                max(highwater - position, 0)
            )
