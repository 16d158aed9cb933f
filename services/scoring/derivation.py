"""What scoring derives from one event: a tally delta, a metric change, credit facts.

The live handlers and the rebuild apply the same effects (the live path at once or at
commit, the rebuild in large batches), so a rebuild reproduces the live state by design.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from libs.common.events.catalogue.common import Severity
from libs.common.events.catalogue.enrollment import (
    ArrearsAssessed,
    ArrearsCleared,
    PaymentRecorded,
    PaymentReversed,
)
from libs.common.events.catalogue.grid import EntityUpserted, InspectionRecorded
from libs.common.events.catalogue.hazards import (
    HazardClosed,
    HazardOverdue,
    HazardReopened,
    HazardReported,
)
from libs.common.events.envelope import Event
from services.scoring.domain.credit_rules import CreditItemKind
from services.scoring.domain.live_metric import MetricChange
from services.scoring.metric_changes import change_of


@dataclass(frozen=True)
class TallyDelta:
    """Payments (count and yuan) to add to a unit's tally of a scheme-year."""

    unit_code: str
    scheme: str
    year: int
    payments: int
    amount: Decimal


@dataclass(frozen=True)
class ItemFact:
    """An additional credit item recorded (or, with `cleared_at`, cleared) for an entity."""

    id: str
    credit_code: str
    kind: CreditItemKind
    at: datetime
    source_event_id: str
    source_type: str
    unit_code: str | None
    cleared_at: datetime | None = None


@dataclass(frozen=True)
class EntityFact:
    """Grid's record of an entity: where it is and what it is called."""

    credit_code: str
    unit_code: str
    name: str


@dataclass(frozen=True)
class Effects:
    """Everything one event moves."""

    tally: TallyDelta | None = None
    change: MetricChange | None = None
    item: ItemFact | None = None
    entity: EntityFact | None = None


def effects_of(event: Event, event_id: str, arrived: datetime | None = None) -> Effects:
    """The effects of an event (all None for an event scoring only logs); `arrived` is
    its envelope's time, which campaigns' late-data cut-offs judge."""
    kind = type(event)  # exact types, not isinstance: a replay derives millions of events
    entity = None
    if kind is EntityUpserted:
        assert isinstance(event, EntityUpserted)
        entity = EntityFact(event.credit_code, event.unit_code, event.name)
    return Effects(
        tally=tally_of(event) if kind in _PAYMENTS else None,
        change=change_of(event, arrived),
        item=item_of(event, event_id),
        entity=entity,
    )


_PAYMENTS = (PaymentRecorded, PaymentReversed)


def tally_of(event: Event) -> TallyDelta | None:
    """A payment adds to its unit's tally; a reversal takes it back out."""
    if isinstance(event, PaymentRecorded):
        return TallyDelta(event.unit_code, event.scheme, event.year, 1, event.amount)
    if isinstance(event, PaymentReversed):
        return TallyDelta(event.unit_code, event.scheme, event.year, -1, -event.amount)
    return None


def item_of(event: Event, event_id: str) -> ItemFact | None:
    """The credit item an event adds to (or clears from) its entity's record, if any."""
    values = event.__dict__  # a field's value or None; getattr's miss is slow on pydantic
    code: str | None = values.get("credit_code")
    if code is None:
        return None
    unit: str | None = values.get("unit_code")
    if type(event) in (ArrearsAssessed, ArrearsCleared):
        assert isinstance(event, ArrearsAssessed | ArrearsCleared)
        # Keyed by the arrears, so the clearing finds the item whichever arrives first.
        kind = CreditItemKind.CONTRIBUTION_ARREARS
        item_id = f"arrears:{event.arrears_id}"
        if isinstance(event, ArrearsCleared):
            cleared = event.cleared_at
            return ItemFact(item_id, code, kind, cleared, event_id, event.type, unit, cleared)
        return ItemFact(item_id, code, kind, event.assessed_at, event_id, event.type, unit)
    found = item_kind(event)
    if found is None:
        return None
    kind, at = found
    return ItemFact(f"{event_id}:{kind.value}", code, kind, at, event_id, event.type, unit)


def item_kind(event: Event) -> tuple[CreditItemKind, datetime] | None:
    """The item kind an event adds to its entity's record, and when, or None."""
    if isinstance(event, HazardReported) and event.severity is Severity.MAJOR:
        return CreditItemKind.MAJOR_HAZARD, event.reported_at
    if isinstance(event, HazardOverdue):
        return CreditItemKind.OVERDUE_HAZARD, event.detected_at
    if isinstance(event, HazardReopened):
        return CreditItemKind.REPEATED_HAZARD, event.reopened_at
    if isinstance(event, HazardClosed) and event.on_time:
        return CreditItemKind.HAZARD_CLOSED_ON_TIME, event.closed_at
    if isinstance(event, InspectionRecorded):
        failed = event.failed_items > 0 or bool(event.findings)
        kind = CreditItemKind.INSPECTION_FAILED if failed else CreditItemKind.INSPECTION_PASSED
        return kind, event.inspected_at
    return None
