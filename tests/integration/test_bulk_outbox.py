"""Many events at once: one insert, or COPY from a few hundred on; the same rows either way."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Column, DateTime, Numeric, String, Table, Text, Uuid, select

from libs.common import sql
from libs.common.db import UnitOfWork
from libs.common.events import registry
from libs.common.events.envelope import Envelope
from libs.common.platform_schema import outbox as outbox_table
from tests.integration.test_consumer import payment_envelope


@pytest.mark.parametrize("count", [3, sql.COPY_FROM + 50])
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


LEDGER = Table(
    "ledger_probe",
    sql.new_metadata(),
    Column("id", Uuid, primary_key=True),
    Column("txn", String(16), unique=True),
    Column("amount", Numeric(14, 2)),
    Column("paid_at", DateTime(timezone=True)),
    Column("note", Text, nullable=True),
)


@pytest.mark.parametrize("count", [3, sql.COPY_FROM + 50])
async def test_insert_new_skips_rows_that_conflict_and_returns_the_rest(runtimes, count):
    runtime = await runtimes("scoring")
    at = datetime(2026, 11, 29, 8, tzinfo=UTC)

    def row(n: int) -> dict[str, object]:
        note = None if n % 3 else f"line {n}"
        return {
            "id": uuid.uuid4(),
            "txn": f"T{n}",
            "amount": Decimal("1.50"),
            "paid_at": at,
            "note": note,
        }

    async with runtime.engine.begin() as conn:  # the database may outlive one test
        await conn.run_sync(LEDGER.drop, checkfirst=True)
        await conn.run_sync(LEDGER.create)
    earlier = [row(n) for n in range(0, count, 2)]
    async with runtime.sessions() as session:
        assert await sql.insert_new(session, LEDGER, earlier) == {r["id"] for r in earlier}
        later = [row(n) for n in range(count)]  # the even numbers again, under new ids
        inserted = await sql.insert_new(session, LEDGER, later)
        await session.commit()
    assert inserted == {r["id"] for n, r in enumerate(later) if n % 2}
    async with runtime.engine.connect() as conn:
        stored = (await conn.execute(select(LEDGER).order_by(LEDGER.c.txn))).all()
    assert len(stored) == count
    assert {(r.amount, r.paid_at) for r in stored} == {(Decimal("1.50"), at)}
    assert {r.note for r in stored if r.note} == {f"line {n}" for n in range(0, count, 3)}
