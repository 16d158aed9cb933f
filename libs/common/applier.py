"""Idempotent application of events: inbox in the same transaction as the effect, bounded
retries, dead letters, the service's batch end before the commit.

A batch (from Kafka, the re-sync or a dead-letter replay) is applied in ONE transaction:
1. `optimistic.apply_all` claims every inbox row in one statement and runs the handlers
   back to back; if any delivery does not decode or any handler fails, the transaction
   rolls back whole and
2. `_apply_event_by_event` applies the batch again, each event in its own savepoint: its
   inbox row and its handler's effect are kept or discarded together, a failing handler is
   retried and then dead-lettered alone, and the rest of the batch goes on.
Either way, `EventHandlers.end_batch` is called with what the applied events' handlers
returned, in the batch's transaction, just before it commits.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.common import optimistic, outbox
from libs.common.db import UnitOfWork
from libs.common.event_handlers import Delivery, EventHandlers, Handler, is_transient
from libs.common.events import registry
from libs.common.events.envelope import Envelope, Event
from libs.common.logging import event_id_var, get_logger, request_id_var
from libs.common.metrics import EVENT_PROCESSING, EVENTS_CONSUMED, EVENTS_DEAD_LETTERED
from libs.common.optimistic import Applied
from libs.common.platform_schema import dead_letter, inbox

log = get_logger(__name__)


class EventApplier:
    """Applies deliveries to a service database through its handlers, idempotently."""

    def __init__(
        self,
        service: str,
        sessions: async_sessionmaker[AsyncSession],
        handlers: EventHandlers,
        *,
        max_attempts: int = 3,
        dlq_topic: str | None = None,
    ) -> None:
        self.service = service
        self.sessions = sessions
        self.handlers = handlers
        self.max_attempts = max_attempts
        self.dlq_topic = dlq_topic or f"gridgov.{service}.dlq"
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
            try:
                outcomes, applied = await self._apply_in_one_go(deliveries)
            except optimistic.TakeCare as why:
                log.info("batch applied event by event", reason=str(why))
                outcomes, applied = await self._apply_event_by_event(deliveries)
        now = datetime.now(UTC)  # after the commit: the effect is visible from here on
        for event in applied:
            EVENT_PROCESSING.labels(self.service).observe(
                max((now - event.envelope.time).total_seconds(), 0)
            )
        return outcomes

    async def _apply_in_one_go(
        self, deliveries: Sequence[Delivery]
    ) -> tuple[list[str], list[Applied]]:
        decoded = optimistic.decode(deliveries, self.handlers)
        async with self.sessions() as session, session.begin():
            outcomes, applied = await optimistic.apply_all(session, decoded)
            await self._end_batch(session, applied)
        for item, outcome in zip(decoded, outcomes, strict=True):
            self._count(item.envelope.type, outcome)
        return outcomes, applied

    async def _apply_event_by_event(
        self, deliveries: Sequence[Delivery]
    ) -> tuple[list[str], list[Applied]]:
        applied: list[Applied] = []
        async with self.sessions() as session, session.begin():
            outcomes = [await self._apply_one(session, d, applied) for d in deliveries]
            await self._end_batch(session, applied)
        return outcomes, applied

    async def _end_batch(self, session: AsyncSession, applied: Sequence[Applied]) -> None:
        """The service's batch end, with what the applied events' handlers returned."""
        if applied:
            await self.handlers.end_batch(session, [a.result for a in applied])

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
        applied: list[Applied] = []
        async with self.sessions() as session, session.begin():
            outcome = await self._apply_one(session, delivery, applied)
            await self._end_batch(session, applied)
            if outcome != "dead_lettered":
                await session.execute(
                    update(dead_letter)
                    .where(dead_letter.c.id == row.id)
                    .values(replayed_at=datetime.now(UTC))
                )
        return outcome

    async def _apply_one(
        self, session: AsyncSession, delivery: Delivery, applied: list[Applied]
    ) -> str:
        try:
            envelope = Envelope.model_validate_json(delivery.value)
            handler = self.handlers.by_type.get(envelope.type)
            if handler is None:
                return self._count(envelope.type, "ignored")
            event = registry.parse(envelope)
        except (ValidationError, registry.UnknownEventType, ValueError) as exc:
            await self._dead_letter(session, delivery, None, exc, attempts=1)
            return "dead_lettered"
        event_id_var.set(envelope.id)
        request_id_var.set(envelope.requestid)
        return await self._run_handler(session, delivery, envelope, event, handler, applied)

    async def _run_handler(
        self,
        session: AsyncSession,
        delivery: Delivery,
        envelope: Envelope,
        event: Event,
        handler: Handler,
        applied: list[Applied],
    ) -> str:
        error: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            event_savepoint = await session.begin_nested()  # the inbox row and the effect
            try:
                if not await self._claim(session, envelope):
                    await event_savepoint.rollback()
                    return self._count(envelope.type, "duplicate")
                use_case = await session.begin_nested()  # undone if the use case keeps nothing
                uow = UnitOfWork.in_batch(session, request_id=envelope.requestid)
                result = await handler(uow, event, envelope)
                if uow.committed:
                    await use_case.commit()
                else:
                    await use_case.rollback()
                await event_savepoint.commit()
                if uow.committed:
                    applied.append(Applied(envelope, result))
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
