"""Writing many events to the outbox at once (a chunk of a bank file emits thousands)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert

from libs.common import outbox
from libs.common.db import UnitOfWork
from libs.common.events.envelope import Envelope, Event
from libs.common.logging import current_request_id
from libs.common.platform_schema import outbox as outbox_table


async def emit_all(uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Queue `events` in the unit of work's transaction with one multi-row insert."""
    if not events:
        return
    request_id = uow.request_id or current_request_id()
    rows = [
        outbox.row_for(Envelope.wrap(event, request_id=request_id), event.topic())
        for event in events
    ]
    await uow.session.execute(insert(outbox_table), rows)
    uow.events.extend(events)
