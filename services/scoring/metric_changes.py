"""Which campaign metric an event moves, for which unit, and how."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
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

PAYMENT_METRICS = (MetricKind.DEPOSITED_ENROLLMENTS, MetricKind.MONEY_COLLECTED)
_PAYMENT_EVENTS = (PaymentRecorded.type, PaymentDeposited.type, PaymentReversed.type)

METRIC_EVENTS: dict[MetricKind, tuple[str, ...]] = {
    MetricKind.DEPOSITED_ENROLLMENTS: (ProgressChanged.type, *_PAYMENT_EVENTS),
    MetricKind.MONEY_COLLECTED: _PAYMENT_EVENTS,
    MetricKind.HAZARDS_CLOSED_ON_TIME: (HazardClosed.type,),
    MetricKind.OVERDUE_HAZARDS: (HazardOverdue.type,),
    MetricKind.INSPECTIONS_ON_TIME: (InspectionRecorded.type,),
    MetricKind.FIRE_POINTS: (),
}
"""The event types feeding each metric (fire points have no event in the catalogue yet)."""


def change_of(event: Event, arrived: datetime | None = None) -> MetricChange | None:
    """The metric change an event implies, or None; `arrived` is when the event reached
    the system (its envelope's time), which late-data policies judge."""
    derive = _CHANGES.get(type(event))  # by exact type: a replay derives millions of events
    change = derive(event) if derive is not None else None
    if change is None or arrived is None or change.is_reading:
        return change
    return replace(change, arrived=arrived)


def _progress(event: ProgressChanged) -> MetricChange:
    """Enrollment's figures for a unit: scoring takes the task (and whether it counts yuan)
    from them. The persons and yuan achieved come from the payment facts, by their deposit
    time, so that a late bank file counts on the days its money was deposited."""
    return MetricChange(
        MetricKind.DEPOSITED_ENROLLMENTS,
        event.unit_code,
        event.as_of,
        event.scheme,
        event.year,
        set_task=event.task,
        set_counts_amount=event.task_kind is TaskKind.AMOUNT,
        exact_unit=True,
    )


def _deposit(
    event: PaymentRecorded | PaymentDeposited, deposited_at: datetime, completes: bool
) -> MetricChange:
    return MetricChange(
        MetricKind.MONEY_COLLECTED,
        event.unit_code,
        deposited_at,
        event.scheme,
        event.year,
        amount_delta=event.amount,
        persons_delta=ONE if completes else ZERO,
        also=(MetricKind.DEPOSITED_ENROLLMENTS,),
    )


def _paid(event: PaymentRecorded) -> MetricChange | None:
    """A payment counts when its money is in the fund account (DOMAIN §1): at once if it
    was recorded deposited, else at its `payment.deposited`."""
    if event.deposited_at is None:
        return None
    return _deposit(event, event.deposited_at, event.completes_person)


def _deposited(event: PaymentDeposited) -> MetricChange:
    """The deposit of a payment recorded undeposited: its money, and its person once."""
    return _deposit(event, event.deposited_at, event.completes_person)


def _reversed(event: PaymentReversed) -> MetricChange:
    """A reversal takes back, at its own time, the money it reverses if that was deposited
    (money never deposited never counted) and the person it reopens."""
    return MetricChange(
        MetricKind.MONEY_COLLECTED,
        event.unit_code,
        event.reversed_at,
        event.scheme,
        event.year,
        amount_delta=-event.amount if event.deposit_reversed else ZERO,
        persons_delta=-ONE if event.reopens_person else ZERO,
        also=(MetricKind.DEPOSITED_ENROLLMENTS,),
    )


def _closed(event: HazardClosed) -> MetricChange | None:
    if not event.on_time:
        return None
    return MetricChange(
        MetricKind.HAZARDS_CLOSED_ON_TIME, event.unit_code, event.closed_at, delta=ONE
    )


def _overdue(event: HazardOverdue) -> MetricChange:
    return MetricChange(MetricKind.OVERDUE_HAZARDS, event.unit_code, event.detected_at, delta=ONE)


def _inspected(event: InspectionRecorded) -> MetricChange:
    return MetricChange(
        MetricKind.INSPECTIONS_ON_TIME, event.unit_code, event.inspected_at, delta=ONE
    )


_CHANGES: dict[type[Event], Callable[[Any], MetricChange | None]] = {
    ProgressChanged: _progress,
    PaymentRecorded: _paid,
    PaymentDeposited: _deposited,
    PaymentReversed: _reversed,
    HazardClosed: _closed,
    HazardOverdue: _overdue,
    InspectionRecorded: _inspected,
}
