"""The events scoring consumes, and what it does with them.

Every event below goes to one handler, `eventlog.apply_event`, which records the event's
credit items and returns what it moves; once per batch the consumer hands those to
`eventlog.log_batch`, which logs the events and moves tallies, campaign metrics and ranks
set-based, before the batch commits (services/scoring/eventlog/service.py).
"""

from __future__ import annotations

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
from libs.common.events.envelope import Event
from libs.common.settings import ServiceSettings
from services.scoring.eventlog import service as eventlog

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
    on={event_type: eventlog.apply_event for event_type in CONSUMED},
    end_batch=eventlog.log_batch,
)


def event_handlers(settings: ServiceSettings) -> EventHandlers:
    """Scoring's handlers (they need none of its settings)."""
    return HANDLERS
