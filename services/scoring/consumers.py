"""The events scoring consumes, and what it does with them.

- `apply_event` is the handler of every event listed in `CONSUMED`. It records the event's
  credit items at once and returns what the event moves in the log, the tallies and the
  campaign metrics (`Moves`).
- `log_batch` is scoring's batch end: the applier calls it once per batch, in the batch's
  transaction, with the `Moves` of the events applied. One statement appends them all to
  the event log; the events logged for the first time then move the tallies in one
  statement and the metrics and ranks in a fixed few, instead of several per event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import UnitOfWork
from libs.common.event_handlers import EventHandlers
from libs.common.events.catalogue.enrollment import (
    ArrearsAssessed,
    ArrearsCleared,
    PaymentDeposited,
    PaymentRecorded,
    PaymentReversed,
    ProgressChanged,
)
from libs.common.events.catalogue.grid import EntityUpserted, InspectionRecorded
from libs.common.events.catalogue.hazards import (
    HazardClosed,
    HazardOverdue,
    HazardReopened,
    HazardReported,
)
from libs.common.events.envelope import Envelope, Event
from libs.common.settings import ServiceSettings
from services.scoring.campaigns import metrics
from services.scoring.credit import items as credit_items
from services.scoring.derivation import TallyDelta, effects_of
from services.scoring.domain.live_metric import MetricChange
from services.scoring.eventlog import service as eventlog
from services.scoring.tallies import service as tallies


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
    new = await eventlog.append(session, [m.envelope for m in applied])
    first_time = [m for m in applied if uuid.UUID(m.envelope.id) in new]
    await tallies.add_tallies(session, [m.tally for m in first_time if m.tally is not None])
    changes = [m.change for m in first_time if m.change is not None]
    if changes:
        await session.run_sync(metrics.apply_changes, changes)


CONSUMED: tuple[type[Event], ...] = (
    PaymentRecorded,
    PaymentDeposited,
    PaymentReversed,
    ProgressChanged,
    ArrearsAssessed,
    ArrearsCleared,
    HazardReported,
    HazardOverdue,
    HazardReopened,
    HazardClosed,
    InspectionRecorded,
    EntityUpserted,
)

HANDLERS = EventHandlers(
    on={event_type: apply_event for event_type in CONSUMED},
    end_batch=log_batch,
)


def event_handlers(settings: ServiceSettings) -> EventHandlers:
    """Scoring's handlers (they need none of its settings)."""
    return HANDLERS
