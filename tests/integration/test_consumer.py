"""The consumer applies each event once, dead-letters poison, and survives crashes."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from libs.common.applier import EventApplier
from libs.common.consumer import KafkaEventConsumer
from libs.common.db import UnitOfWork
from libs.common.event_handlers import Delivery, EventHandlers
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.events.envelope import Envelope
from libs.common.platform_schema import dead_letter, inbox
from libs.common.platform_schema import outbox as outbox_table
from services.scoring.consumers import HANDLERS
from services.scoring.tallies.models import UnitPaymentTally
from tests.conftest import eventually
from tests.integration.kafka_helpers import produce

UNIT = "320115101001"


def payment_envelope(n: int = 0, unit: str = UNIT) -> Envelope:
    """A payment.recorded envelope as enrollment would publish it."""
    at = datetime(2026, 11, 3, 9, tzinfo=UTC)
    event = PaymentRecorded(
        payment_id=uuid.uuid4(),
        enrollment_id=uuid.uuid4(),
        partner_id="test-bank",
        partner_txn_id=f"T{n}",
        person_key="a" * 64,
        unit_code=unit,
        scheme="resident-medical-a",
        year=2027,
        amount=Decimal("320.00"),
        paid_at=at,
        deposited_at=at,
        completes_person=True,
        channel="rest",
    )
    return Envelope.wrap(event)


def delivery(envelope: Envelope, topic: str = "gridgov.enrollment") -> Delivery:
    return Delivery(topic=topic, value=envelope.model_dump_json().encode(), key=b"k")


async def tally(runtime) -> int:
    async with runtime.engine.connect() as conn:
        value = await conn.scalar(select(func.coalesce(func.sum(UnitPaymentTally.payments), 0)))
    return int(value)


async def count(runtime, table) -> int:
    async with runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))


async def test_a_duplicate_delivery_is_applied_once(runtimes):
    runtime = await runtimes("scoring")
    applier = runtime.applier()
    envelope = payment_envelope()
    assert await applier.apply([delivery(envelope)]) == ["applied"]
    assert await applier.apply([delivery(envelope), delivery(envelope)]) == [
        "duplicate",
        "duplicate",
    ]
    assert await tally(runtime) == 1
    assert await count(runtime, inbox) == 1


async def test_duplicates_inside_one_batch_are_applied_once(runtimes):
    runtime = await runtimes("scoring")
    envelope = payment_envelope()
    outcomes = await runtime.applier().apply([delivery(envelope)] * 3)
    assert outcomes == ["applied", "duplicate", "duplicate"]
    assert await tally(runtime) == 1


@pytest.mark.parametrize(
    "value",
    [
        b"not json",
        b'{"id": "x"}',
        json.dumps(
            {**payment_envelope().model_dump(mode="json"), "data": {"amount": "-1"}}
        ).encode(),
    ],
    ids=["not-json", "not-an-envelope", "invalid-data"],
)
async def test_poison_messages_are_dead_lettered_and_the_batch_goes_on(runtimes, value):
    runtime = await runtimes("scoring")
    good = payment_envelope()
    outcomes = await runtime.applier().apply(
        [Delivery("gridgov.enrollment", value, b"k", 0, 7), delivery(good)]
    )
    assert outcomes == ["dead_lettered", "applied"]
    assert await tally(runtime) == 1
    async with runtime.engine.connect() as conn:
        row = (await conn.execute(select(dead_letter))).one()
        dlq = (await conn.execute(select(outbox_table.c.topic))).scalars().all()
    assert row.value == value and row.offset == 7 and row.error
    assert dlq == ["gridgov.scoring.dlq"]


async def test_a_deadlock_undoes_the_batch_for_redelivery_instead_of_dead_lettering(runtimes):
    runtime = await runtimes("scoring")
    first, victim = payment_envelope(1), payment_envelope(2)
    deadlocked = True

    async def handler(uow: UnitOfWork, event, envelope) -> object:
        moved = await HANDLERS.on[PaymentRecorded](uow, event, envelope)
        if envelope.id == victim.id and deadlocked:
            await uow.session.execute(
                text("DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$")
            )
        return moved

    applier = EventApplier(
        "scoring", runtime.sessions, EventHandlers({PaymentRecorded: handler}, HANDLERS.end_batch)
    )
    with pytest.raises(DBAPIError):
        await applier.apply([delivery(first), delivery(victim)])
    assert await tally(runtime) == 0, "the whole batch is undone"
    assert await count(runtime, dead_letter) == 0 and await count(runtime, inbox) == 0
    deadlocked = False
    assert await applier.apply([delivery(first), delivery(victim)]) == ["applied", "applied"]
    assert await tally(runtime) == 2


async def test_a_failing_handler_is_retried_then_dead_lettered_once(runtimes):
    runtime = await runtimes("scoring")
    calls = []

    async def broken(uow: UnitOfWork, event, envelope) -> object:
        calls.append(envelope.id)
        await HANDLERS.on[PaymentRecorded](uow, event, envelope)
        raise RuntimeError("bug in handler")

    applier = EventApplier(
        "scoring",
        runtime.sessions,
        EventHandlers({PaymentRecorded: broken}, HANDLERS.end_batch),
        max_attempts=3,
    )
    envelope = payment_envelope()
    assert await applier.apply([delivery(envelope)]) == ["dead_lettered"]
    assert await applier.apply([delivery(envelope)]) == ["dead_lettered"]
    assert len(calls) == 2 * (1 + 3), "per delivery: the batch's fast try, then three careful ones"
    assert await tally(runtime) == 0, "a failed attempt's effect must be rolled back"
    assert await count(runtime, dead_letter) == 1
    assert await count(runtime, inbox) == 0


class Crash(BaseException):
    """The process dying between the effect and the commit."""


async def test_a_crash_between_effect_and_commit_is_reapplied_once(runtimes):
    runtime = await runtimes("scoring")
    first, second = payment_envelope(1), payment_envelope(2)
    crash_on = {second.id}

    async def crashing(uow: UnitOfWork, event, envelope) -> object:
        moved = await HANDLERS.on[PaymentRecorded](uow, event, envelope)
        if envelope.id in crash_on:
            raise Crash
        return moved

    applier = EventApplier(
        "scoring", runtime.sessions, EventHandlers({PaymentRecorded: crashing}, HANDLERS.end_batch)
    )
    with pytest.raises(Crash):
        await applier.apply([delivery(first), delivery(second)])
    assert await tally(runtime) == 0, "nothing of the crashed batch may be committed"
    crash_on.clear()
    assert await applier.apply([delivery(first), delivery(second)]) == ["applied", "applied"]
    assert await applier.apply([delivery(first), delivery(second)]) == ["duplicate", "duplicate"]
    assert await tally(runtime) == 2


async def test_unknown_event_types_are_ignored_without_an_inbox_row(runtimes):
    runtime = await runtimes("scoring")
    envelope = Envelope(
        source="/gridgov/grid", type="gridgov.grid.unknown.thing.v1", subject="x", data={}
    )
    assert await runtime.applier().apply([delivery(envelope)]) == ["ignored"]
    assert await count(runtime, inbox) == 0


async def test_kafka_offsets_are_committed_only_after_the_batch_is_applied(runtimes, broker):
    runtime = await runtimes("scoring")
    topic = runtime.topic("gridgov.enrollment")
    envelopes = [payment_envelope(n) for n in range(20)]
    await produce(broker, topic, [(b"k", e.model_dump_json().encode()) for e in envelopes[:10]])
    crash = {"armed": True}

    async def crash_once(uow: UnitOfWork, event, envelope) -> object:
        moved = await HANDLERS.on[PaymentRecorded](uow, event, envelope)
        if crash["armed"]:
            crash["armed"] = False
            raise Crash
        return moved

    def consumer_with(handler) -> KafkaEventConsumer:
        applier = EventApplier(
            "scoring",
            runtime.sessions,
            EventHandlers({PaymentRecorded: handler}, HANDLERS.end_batch),
        )
        return KafkaEventConsumer(applier, broker, [topic], group_id=runtime.topic("group"))

    crashing = consumer_with(crash_once)
    with pytest.raises(Crash):
        await asyncio.wait_for(crashing.run(), 30)
    assert await tally(runtime) == 0
    healthy = consumer_with(HANDLERS.on[PaymentRecorded])
    task = asyncio.create_task(healthy.run())
    try:
        await produce(broker, topic, [(b"k", e.model_dump_json().encode()) for e in envelopes[10:]])
        await eventually(lambda: _equals(tally(runtime), 20), timeout=30)
    finally:
        healthy.stop.set()
        await asyncio.wait_for(task, 15)
    assert await tally(runtime) == 20


async def _equals(awaitable, expected) -> bool:
    return (await awaitable) == expected


def savepoints_of(runtime) -> list[str]:
    seen: list[str] = []

    @event.listens_for(runtime.engine.sync_engine, "before_cursor_execute")
    def on_execute(conn, cursor, statement, *args) -> None:
        if statement.startswith("SAVEPOINT"):
            seen.append(statement)

    return seen


async def test_a_clean_batch_goes_in_one_go_without_savepoints(runtimes):
    runtime = await runtimes("scoring")
    savepoints = savepoints_of(runtime)
    envelopes = [payment_envelope(n) for n in range(20)]
    outcomes = await runtime.applier().apply([delivery(e) for e in [*envelopes, envelopes[0]]])
    assert outcomes == ["applied"] * 20 + ["duplicate"]
    assert savepoints == [], "no event needed its own savepoint"
    assert await tally(runtime) == 20 and await count(runtime, inbox) == 20


async def test_one_failing_event_sends_its_batch_the_careful_way(runtimes):
    runtime = await runtimes("scoring")
    bad = payment_envelope(99)

    async def handler(uow: UnitOfWork, event, envelope) -> object:
        if envelope.id == bad.id:
            raise RuntimeError("bug")
        return await HANDLERS.on[PaymentRecorded](uow, event, envelope)

    applier = EventApplier(
        "scoring", runtime.sessions, EventHandlers({PaymentRecorded: handler}, HANDLERS.end_batch)
    )
    batch = [payment_envelope(1), bad, payment_envelope(2)]
    assert await applier.apply([delivery(e) for e in batch]) == [
        "applied",
        "dead_lettered",
        "applied",
    ]
    assert await tally(runtime) == 2 and await count(runtime, dead_letter) == 1
    assert await count(runtime, inbox) == 2
