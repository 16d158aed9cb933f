"""Which campaign metric an event moves, for which unit, and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from libs.common.events.catalogue.enrollment import (
    PaymentRecorded,
    PaymentReversed,
    ProgressChanged,
)
from libs.common.events.catalogue.grid import InspectionRecorded
from libs.common.events.catalogue.hazards import HazardClosed, HazardOverdue
from libs.common.events.envelope import Event
from services.scoring.domain.metrics import MetricKind

ONE = Decimal(1)


@dataclass(frozen=True)
class MetricChange:
    """An increment (`delta`) or a new reading (`set_*`) of a unit's metric at `at`.

    `exact_unit` changes apply to that unit only (enrollment reports progress for every
    level itself); the others also count for the campaigns ranking the unit's ancestors.
    """

    metric: MetricKind
    unit_code: str
    at: datetime
    scheme: str | None = None
    year: int | None = None
    delta: Decimal = Decimal(0)
    amount_delta: Decimal = Decimal(0)
    set_value: Decimal | None = None
    set_amount: Decimal | None = None
    set_task: Decimal | None = None
    exact_unit: bool = False


METRIC_EVENTS: dict[MetricKind, tuple[str, ...]] = {
    MetricKind.DEPOSITED_ENROLLMENTS: (ProgressChanged.type,),
    MetricKind.MONEY_COLLECTED: (PaymentRecorded.type, PaymentReversed.type),
    MetricKind.HAZARDS_CLOSED_ON_TIME: (HazardClosed.type,),
    MetricKind.OVERDUE_HAZARDS: (HazardOverdue.type,),
    MetricKind.INSPECTIONS_ON_TIME: (InspectionRecorded.type,),
    MetricKind.FIRE_POINTS: (),
}
"""The event types feeding each metric (fire points have no event in the catalogue yet)."""


def change_of(event: Event) -> MetricChange | None:
    """The metric change an event implies, or None."""
    if isinstance(event, ProgressChanged):
        return MetricChange(
            MetricKind.DEPOSITED_ENROLLMENTS,
            event.unit_code,
            event.as_of,
            event.scheme,
            event.year,
            set_value=Decimal(event.completed_persons),
            set_amount=event.deposited_amount,
            set_task=event.task,
            exact_unit=True,
        )
    if isinstance(event, PaymentRecorded):
        return MetricChange(
            MetricKind.MONEY_COLLECTED,
            event.unit_code,
            event.paid_at,
            event.scheme,
            event.year,
            delta=event.amount,
            amount_delta=event.amount,
        )
    if isinstance(event, PaymentReversed):
        return MetricChange(
            MetricKind.MONEY_COLLECTED,
            event.unit_code,
            event.reversed_at,
            event.scheme,
            event.year,
            delta=-event.amount,
            amount_delta=-event.amount,
        )
    if isinstance(event, HazardClosed) and event.on_time:
        return MetricChange(MetricKind.HAZARDS_CLOSED_ON_TIME, event.unit_code, event.closed_at)
    if isinstance(event, HazardOverdue):
        return MetricChange(MetricKind.OVERDUE_HAZARDS, event.unit_code, event.detected_at)
    if isinstance(event, InspectionRecorded):
        return MetricChange(MetricKind.INSPECTIONS_ON_TIME, event.unit_code, event.inspected_at)
    return None


def with_delta(change: MetricChange) -> MetricChange:
    """A counting change gets its default increment of one."""
    if change.delta or change.set_value is not None or change.amount_delta:
        return change
    return MetricChange(**{**change.__dict__, "delta": ONE})
