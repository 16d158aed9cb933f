"""Many events at once: one insert, or COPY from a few hundred on; the same rows either way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from libs.common import db
from libs.common.db import UnitOfWork
from libs.common.events import registry
from libs.common.events.envelope import Envelope
from libs.common.platform_schema import outbox as outbox_table
from tests.integration.test_consumer import payment_envelope


@pytest.mark.parametrize("count", [3, db.COPY_FROM + 50])
async def test_emit_all_writes_every_event_as_its_envelope(runtimes, count):
    runtime = await runtimes("scoring")
    events = [registry.parse(payment_envelope(n)) for n in range(count)]
    async with runtime.sessions() as session, UnitOfWork(session, request_id="req-7") as uow:
        await uow.emit_all(events)
        await uow.commit()
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    assert len(rows) == count
    parsed = [registry.parse(Envelope.model_validate(r.envelope)) for r in rows]
    assert parsed == events, "in order, each the event it was"
    assert {r.envelope["requestid"] for r in rows} == {"req-7"}
    assert all(r.key == r.envelope["subject"] and r.published_at is None for r in rows)
