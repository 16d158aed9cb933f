"""Which campaign metric an event moves, for which unit, and how."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from libs.common.events.catalogue.enrollment import (
    PaymentDeposited,
    PaymentRecorded,
    PaymentReversed,
    ProgressChanged,
    TaskKind,
)
from libs.common.events.catalogue.grid import InspectionRecorded
from libs.common.events.catalogue.hazards import HazardClosed, HazardOverdue
from libs.common.events.envelope import Event
from services.scoring.domain.live_metric import MetricChange
from services.scoring.domain.metrics import MetricKind

ONE, ZERO = Decimal(1), Decimal(0)

METRIC_EVENTS: dict[MetricKind, tuple[str, ...]] = {
    MetricKind.DEPOSITED_ENROLLMENTS: (ProgressChanged.type,),
    MetricKind.MONEY_COLLECTED: (
        PaymentRecorded.type,
        PaymentDeposited.type,
        PaymentReversed.type,
    ),
    MetricKind.HAZARDS_CLOSED_ON_TIME: (HazardClosed.type,),
    MetricKind.OVERDUE_HAZARDS: (HazardOverdue.type,),
    MetricKind.INSPECTIONS_ON_TIME: (InspectionRecorded.type,),
    MetricKind.FIRE_POINTS: (),
}
"""The event types feeding each metric (fire points have no event in the catalogue yet)."""


def change_of(event: Event) -> MetricChange | None:
    """The metric change an event implies, or None."""
    derive = _CHANGES.get(type(event))  # by exact type: a replay derives millions of events
    return derive(event) if derive is not None else None


def _progress(event: ProgressChanged) -> MetricChange:
    # A money task is met by yuan deposited, a persons task by persons completed.
    persons = Decimal(event.completed_persons)
    done = event.deposited_amount if event.task_kind is TaskKind.AMOUNT else persons
    return MetricChange(
        MetricKind.DEPOSITED_ENROLLMENTS,
        event.unit_code,
        event.as_of,
        event.scheme,
        event.year,
        set_value=done,
        set_amount=event.deposited_amount,
        set_persons=persons,
        set_task=event.task,
        exact_unit=True,
    )


def _paid(event: PaymentRecorded) -> MetricChange:
    return MetricChange(
        MetricKind.MONEY_COLLECTED,
        event.unit_code,
        event.paid_at,
        event.scheme,
        event.year,
        delta=event.amount,
        amount_delta=event.amount,
        persons_delta=ONE if event.completes_person else ZERO,
    )


def _deposited(event: PaymentDeposited) -> MetricChange:
    """The money was counted when paid; its deposit may complete the person."""
    return MetricChange(
        MetricKind.MONEY_COLLECTED,
        event.unit_code,
        event.deposited_at,
        event.scheme,
        event.year,
        delta=ZERO,
        amount_delta=ZERO,
        persons_delta=ONE if event.completes_person else ZERO,
    )


def _reversed(event: PaymentReversed) -> MetricChange:
    return MetricChange(
        MetricKind.MONEY_COLLECTED,
        event.unit_code,
        event.reversed_at,
        event.scheme,
        event.year,
        delta=-event.amount,
        amount_delta=-event.amount,
        persons_delta=-ONE if event.reopens_person else ZERO,
    )


def _closed(event: HazardClosed) -> MetricChange | None:
    if not event.on_time:
        return None
    return MetricChange(MetricKind.HAZARDS_CLOSED_ON_TIME, event.unit_code, event.closed_at)


def _overdue(event: HazardOverdue) -> MetricChange:
    return MetricChange(MetricKind.OVERDUE_HAZARDS, event.unit_code, event.detected_at)


def _inspected(event: InspectionRecorded) -> MetricChange:
    return MetricChange(MetricKind.INSPECTIONS_ON_TIME, event.unit_code, event.inspected_at)


_CHANGES: dict[type[Event], Callable[[Any], MetricChange | None]] = {
    ProgressChanged: _progress,
    PaymentRecorded: _paid,
    PaymentDeposited: _deposited,
    PaymentReversed: _reversed,
    HazardClosed: _closed,
    HazardOverdue: _overdue,
    InspectionRecorded: _inspected,
}
