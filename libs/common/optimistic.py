"""The consumer's fast path: a batch applied in one go, trusting every event to apply.

The careful path (libs/common/applier.py) gives each event two savepoints and its own inbox
insert, so that one failing handler can be retried and dead-lettered alone; that is five
round trips per event before any work. Almost every batch needs none of it. This path
claims the whole batch's inbox rows in one statement and runs the handlers back to back in
the batch transaction. If anything is off (an undecodable message, a handler that fails or
does not commit), it gives up: the transaction rolls back whole and the applier takes the
batch the careful way.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import sql
from libs.common.db import UnitOfWork
from libs.common.event_handlers import Delivery, EventHandlers, Handler, is_transient
from libs.common.events import registry
from libs.common.events.envelope import Envelope, Event
from libs.common.logging import event_id_var, request_id_var
from libs.common.platform_schema import inbox


class TakeCare(Exception):
    """The batch cannot go the fast way; apply it event by event."""


@dataclass(frozen=True)
class Decoded:
    """A delivery's envelope, and its event and handler if this service handles it."""

    envelope: Envelope
    event: Event | None
    handler: Handler | None


@dataclass(frozen=True)
class Applied:
    """An event applied in this batch, and what its handler returned for the batch end."""

    envelope: Envelope
    result: Any


def decode(deliveries: Sequence[Delivery], handlers: EventHandlers) -> list[Decoded]:
    """Every delivery decoded; TakeCare at the first that is not a valid envelope or event."""
    decoded = []
    for delivery in deliveries:
        try:
            envelope = Envelope.model_validate_json(delivery.value)
            handler = handlers.by_type.get(envelope.type)
            event = registry.parse(envelope) if handler is not None else None
        except (ValidationError, registry.UnknownEventType, ValueError) as exc:
            raise TakeCare("a delivery does not decode") from exc
        decoded.append(Decoded(envelope, event, handler))
    return decoded


async def apply_all(
    session: AsyncSession, decoded: Sequence[Decoded]
) -> tuple[list[str], list[Applied]]:
    """Claim the batch's inbox rows, then run each fresh event's handler: each delivery's
    outcome, and the events applied."""
    fresh = await _claim(session, [d.envelope for d in decoded if d.handler is not None])
    outcomes, applied = [], []
    for item in decoded:
        if item.handler is None or item.event is None:
            outcomes.append("ignored")
        elif item.envelope.id not in fresh:
            outcomes.append("duplicate")
        else:
            fresh.discard(item.envelope.id)  # a second copy in this batch is a duplicate
            applied.append(Applied(item.envelope, await _handle(session, item)))
            outcomes.append("applied")
    return outcomes, applied


async def _handle(session: AsyncSession, item: Decoded) -> Any:
    assert item.handler is not None and item.event is not None
    event_id_var.set(item.envelope.id)
    request_id_var.set(item.envelope.requestid)
    uow = UnitOfWork.in_batch(session, request_id=item.envelope.requestid)
    try:
        result = await item.handler(uow, item.event, item.envelope)
    except Exception as exc:
        if is_transient(exc):
            raise
        raise TakeCare(f"{item.envelope.type} failed: {exc!r}") from exc
    if not uow.committed:
        raise TakeCare(f"{item.envelope.type} did not commit")
    return result


async def _claim(session: AsyncSession, envelopes: Sequence[Envelope]) -> set[str]:
    """Insert the inbox rows of the batch; the ids not applied before."""
    unique = {e.id: e for e in envelopes}
    if not unique:
        return set()
    rows = [
        {"event_id": uuid.UUID(e.id), "type": e.type, "source": e.source} for e in unique.values()
    ]
    claimed = await sql.insert_new(session, inbox, rows, returning="event_id")
    return {str(event_id) for event_id in claimed}
