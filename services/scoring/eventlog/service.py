"""The event log: every event scoring applied, in the order applied, so that its state can
be rebuilt from them (services/scoring/rebuild.py) and new campaigns seeded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.events import registry
from libs.common.events.envelope import Envelope, Event

_SELECT = """
    SELECT seq, event_id, type, subject, time, CAST(envelope -> 'data' AS text) AS data
      FROM event_log WHERE seq > :after {filter} ORDER BY seq LIMIT :limit
"""
_ALL = text(_SELECT.format(filter=""))
_APPEND = text(
    """
    INSERT INTO event_log (event_id, type, subject, time, envelope)
    SELECT v.event_id, v.type, v.subject, v.time, CAST(v.envelope AS jsonb)
      FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:subjects AS text[]),
                  CAST(:times AS timestamptz[]), CAST(:envelopes AS text[]))
           WITH ORDINALITY AS v(event_id, type, subject, time, envelope, n)
     ORDER BY v.n
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
    """
)
_OF_TYPES = text(_SELECT.format(filter="AND type = ANY(CAST(:types AS text[]))"))


async def append(session: AsyncSession, envelopes: Sequence[Envelope]) -> set[uuid.UUID]:
    """Append envelopes to the event log in order; the ids not logged before."""
    inserted = await session.scalars(
        _APPEND,
        {
            "ids": [uuid.UUID(e.id) for e in envelopes],
            "types": [e.type for e in envelopes],
            "subjects": [e.subject for e in envelopes],
            "times": [e.time for e in envelopes],
            "envelopes": [e.model_dump_json(exclude_none=True) for e in envelopes],
        },
    )
    return set(inserted)


@dataclass(frozen=True)
class Logged:
    """A logged event, parsed: its id, its catalogue model and its envelope's time."""

    event_id: str
    event: Event
    time: datetime | None = None


async def replay(
    session: AsyncSession, batch: int = 5000, types: tuple[str, ...] | None = None
) -> AsyncIterator[list[Logged]]:
    """Every logged event in application order (of `types` only, if given), in batches."""
    after = 0
    query, params = (_ALL, {}) if types is None else (_OF_TYPES, {"types": list(types)})
    while True:
        rows = (await session.execute(query, {**params, "after": after, "limit": batch})).all()
        if not rows:
            return
        yield [Logged(str(r.event_id), parse_data(r.type, r.subject, r.data), r.time) for r in rows]
        after = rows[-1].seq


def parse_data(event_type: str, subject: str, data: str) -> Event:
    """An event from its logged type and JSON data (checked against its subject)."""
    event = registry.model_for(event_type).model_validate_json(data)
    if event.subject() != subject:
        raise registry.SubjectMismatch(f"{event_type}: subject {subject!r} is not the data's")
    return event
