"""Additional credit items derived from other services' events (001:L22)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.db import UnitOfWork
from libs.common.events.catalogue.common import Severity
from libs.common.events.catalogue.enrollment import ArrearsAssessed
from libs.common.events.catalogue.grid import InspectionRecorded
from libs.common.events.catalogue.hazards import (
    HazardClosed,
    HazardOverdue,
    HazardReopened,
    HazardReported,
)
from libs.common.events.envelope import Envelope, Event
from services.scoring.credit import scoring
from services.scoring.credit.models import CreditEntity, CreditItemRow
from services.scoring.domain.credit_rules import CreditItemKind


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
    if isinstance(event, ArrearsAssessed):
        return CreditItemKind.CONTRIBUTION_ARREARS, event.assessed_at
    return None


async def record_item(
    uow: UnitOfWork, event: Event, envelope: Envelope, *, emit: bool = True
) -> None:
    """Keep the item an event implies with its source, and rescore the entity."""
    code: str | None = getattr(event, "credit_code", None)
    found = item_kind(event)
    if code is None or found is None:
        return
    kind, at = found
    unit: str | None = getattr(event, "unit_code", None)
    await uow.session.execute(
        pg_insert(CreditItemRow)
        .values(
            id=f"{envelope.id}:{kind.value}",
            credit_code=code,
            kind=kind.value,
            occurred_at=at,
            source_event_id=envelope.id,
            source_type=envelope.type,
            unit_code=unit,
            withdrawn=False,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    entity = await uow.session.get(CreditEntity, code, with_for_update=True)
    if entity is None:
        entity = CreditEntity(credit_code=code, unit_code=unit)
        uow.session.add(entity)
    elif unit is not None:
        entity.unit_code = unit
    await scoring.recompute(uow, entity, at, envelope.id, emit=emit)
    scoring.announce_grade(uow, entity, emit=emit)
