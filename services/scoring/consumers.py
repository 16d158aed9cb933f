"""Event handlers of the scoring service: thin adapters from events to use cases."""

from __future__ import annotations

from libs.common.consumer import Handler
from libs.common.db import UnitOfWork
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
from services.scoring import service


async def on_event(uow: UnitOfWork, event: Event, envelope: Envelope) -> None:
    """An event moves credit items, campaign metrics and ranks, and is logged for rebuilds."""
    await service.apply_event(uow, event, envelope)


async def on_payment_recorded(uow: UnitOfWork, event: PaymentRecorded, envelope: Envelope) -> None:
    """A payment moves its unit's tally and money metrics."""
    await service.apply_event(uow, event, envelope)


CONSUMED: tuple[type[Event], ...] = (
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

HANDLERS: dict[str, Handler] = {
    PaymentRecorded.type: on_payment_recorded,
    **{event_type.type: on_event for event_type in CONSUMED},
}
