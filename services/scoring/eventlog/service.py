"""Applying the events scoring consumes, and keeping them so state can be rebuilt.

The path of an event (docs/architecture.md walks it):
- `apply_event` is the handler of every event scoring consumes (services/scoring/
  consumers.py). It records the event's credit items at once and returns what the event
  moves in the log, the tallies and the campaign metrics (`Moves`).
- `log_batch` is scoring's batch end: the consumer calls it once per batch, in the batch's
  transaction, with the `Moves` of the events applied. One statement appends them all to
  the log; the events logged for the first time then move the tallies in one statement
  and the metrics and ranks in a fixed few, instead of several statements per event.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import UnitOfWork
from libs.common.events import registry
from libs.common.events.envelope import Envelope, Event
from services.scoring.credit import items as credit_items
from services.scoring.derivation import TallyDelta, effects_of
from services.scoring.domain.live_metric import MetricChange
from services.scoring.rankings import metrics
from services.scoring.tallies import service as tallies

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


@dataclass(frozen=True)
class Moves:
    """What one applied event moves at the end of its batch."""

    envelope: Envelope
    tally: TallyDelta | None
    change: MetricChange | None


async def apply_event(uow: UnitOfWork, event: Event, envelope: Envelope) -> Moves:
    """Apply an event: its credit items now (idempotently); its log row, tally delta and
    metric change are returned for `log_batch`."""
    effects = effects_of(event, envelope.id, envelope.time)
    if effects.entity is not None:
        await credit_items.know_entity(uow, effects.entity)
    if effects.item is not None:
        await credit_items.record_item(uow, effects.item)
    await uow.commit()
    return Moves(envelope, effects.tally, effects.change)


async def log_batch(session: AsyncSession, applied: Sequence[Moves]) -> None:
    """Log a batch's applied events in order; those not logged before (an event applied
    again after its inbox row was purged is) move their tallies, metrics and ranks."""
    new = await append(session, [m.envelope for m in applied])
    first_time = [m for m in applied if uuid.UUID(m.envelope.id) in new]
    await tallies.add_tallies(session, [m.tally for m in first_time if m.tally is not None])
    changes = [m.change for m in first_time if m.change is not None]
    if changes:
        await session.run_sync(metrics.apply_changes, changes)


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
