"""Transactional outbox: events are rows written in the same transaction as the change."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from libs.common import sql
from libs.common.events.envelope import CONTENT_TYPE, SPEC_VERSION, Envelope, Event
from libs.common.logging import current_request_id
from libs.common.platform_schema import OutboxMessage, outbox


def row_for(envelope: Envelope, topic: str) -> dict[str, Any]:
    """The outbox row of one envelope."""
    return {
        "event_id": uuid.UUID(envelope.id),
        "topic": topic,
        "key": envelope.subject,
        "type": envelope.type,
        "envelope": envelope.model_dump(mode="json", exclude_none=True),
    }


def add(session: AsyncSession, event: Event, *, request_id: str | None = None) -> Envelope:
    """Queue an event in the session's transaction; published after commit by the relay."""
    envelope = Envelope.wrap(event, request_id=request_id or current_request_id())
    add_envelope(session, envelope, event.topic())
    return envelope


async def add_all(
    session: AsyncSession, events: Sequence[Event], *, request_id: str | None = None
) -> None:
    """Queue many events with one multi-row insert (a batch of payments emits hundreds)."""
    if not events:
        return
    request_id = request_id or current_request_id()
    if len(events) < sql.COPY_FROM:
        await session.execute(insert(outbox), [event_row(e, request_id) for e in events])
        return
    await sql.copy_rows(session, outbox, [event_row(e, request_id, as_text=True) for e in events])


def event_row(event: Event, request_id: str | None, *, as_text: bool = False) -> dict[str, Any]:
    """The outbox row of an event, its envelope built as plain JSON: the same document
    `Envelope.wrap` gives, without validating what the event model already validated.

    `as_text` gives the envelope as serialised JSON (what COPY takes), the event's data
    serialised once by pydantic rather than dumped to a dict and encoded again."""
    event_id = uuid.uuid4()
    head: dict[str, Any] = {
        "id": str(event_id),
        "source": f"/gridgov/{event.service}",
        "type": event.type,
        "subject": event.subject(),
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "specversion": SPEC_VERSION,
        "datacontenttype": CONTENT_TYPE,
    }
    if request_id is not None:
        head["requestid"] = request_id
    envelope: dict[str, Any] | str
    if as_text:
        data = event.model_dump_json()
        envelope = f'{to_json(head).decode()[:-1]},"data":{data}}}'
    else:
        envelope = {**head, "data": event.model_dump(mode="json")}
    return {
        "event_id": event_id,
        "topic": event.topic(),
        "key": head["subject"],
        "type": event.type,
        "envelope": envelope,
    }


def add_envelope(session: AsyncSession, envelope: Envelope, topic: str) -> None:
    """Queue an already-built envelope (dead letters, re-publication)."""
    session.add(OutboxMessage(**row_for(envelope, topic)))


async def backlog(conn: AsyncConnection | AsyncSession) -> int:
    """How many rows wait to be published."""
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    return int((await conn.execute(query)).scalar_one())


async def pending(conn: AsyncConnection | AsyncSession) -> tuple[int, float]:
    """How many rows wait to be published, and how long the oldest has waited (seconds, 0
    when none waits), by the database's clock."""
    query = select(
        func.count(),
        func.coalesce(
            func.extract("epoch", func.clock_timestamp() - func.min(outbox.c.created_at)), 0
        ),
    ).where(outbox.c.published_at.is_(None))
    count, age = (await conn.execute(query)).one()
    return int(count), max(float(age), 0.0)


def encode(envelope: dict[str, Any]) -> bytes:
    """The Kafka message value of an envelope: CloudEvents structured-mode JSON."""
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
