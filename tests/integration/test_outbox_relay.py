"""The outbox relay publishes committed rows once acknowledged, in order per aggregate."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from libs.common import embedded, kafka, outbox
from libs.common.db import UnitOfWork
from libs.common.events.catalogue.enrollment import ProgressChanged
from libs.common.platform_schema import outbox as outbox_table
from libs.common.relay import OutboxRelay
from tests.conftest import eventually
from tests.integration.kafka_helpers import envelope_of, read_topic


def progress_event(unit: str, completed: int) -> ProgressChanged:
    """A small event keyed by its unit."""
    return ProgressChanged(
        unit_code=unit,
        scheme="resident-medical-a",
        year=2027,
        task_kind="persons",
        task=100,
        completed_persons=completed,
        enrolled_persons=100,
        deposited_amount=Decimal(completed * 320),
        as_of=datetime.now(UTC),
    )


async def write_events(runtime, events) -> None:
    async with runtime.sessions() as session, UnitOfWork(session) as uow:
        for event in events:
            uow.emit(event)
        await uow.commit()


async def start_relay(runtime):
    producer = kafka.new_producer(runtime.settings.kafka_bootstrap_servers)
    await producer.start()
    relay = OutboxRelay(
        "enrollment",
        runtime.engine,
        producer,
        topic_prefix=runtime.settings.topic_prefix,
        poll_seconds=5.0,
    )
    task = asyncio.create_task(relay.run())
    return relay, task, producer


async def stop_relay(relay, task, producer) -> None:
    relay.stop.set()
    relay._wake.set()
    await asyncio.wait_for(task, 10)
    await producer.stop()


async def unpublished(runtime) -> int:
    async with runtime.engine.connect() as conn:
        return await outbox.backlog(conn)


async def test_committed_events_are_published_and_marked(runtimes, broker):
    runtime = await runtimes("enrollment")
    relay = await start_relay(runtime)
    try:
        await write_events(runtime, [progress_event("320115101001", n) for n in range(5)])
        # poll is 5 s: only the NOTIFY at commit can make this fast
        await eventually(lambda: _zero(unpublished(runtime)), timeout=4)
    finally:
        await stop_relay(*relay)
    messages = await read_topic(broker, runtime.topic("gridgov.enrollment"), 5)
    assert [envelope_of(m)["data"]["completed_persons"] for m in messages] == [0, 1, 2, 3, 4]
    assert {m.key for m in messages} == {b"320115101001"}
    async with runtime.engine.connect() as conn:
        positions = (
            (await conn.execute(select(outbox_table.c.position).order_by(outbox_table.c.id)))
            .scalars()
            .all()
        )
    assert positions == [1, 2, 3, 4, 5]


async def _zero(awaitable) -> bool:
    return (await awaitable) == 0


async def test_rolled_back_events_are_never_published(runtimes, broker):
    runtime = await runtimes("enrollment")
    async with runtime.sessions() as session, UnitOfWork(session) as uow:
        uow.emit(progress_event("320115101001", 1))
        # leaving without commit rolls back
    assert await unpublished(runtime) == 0
    async with runtime.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(outbox_table)) == 0


async def test_rows_are_marked_published_only_after_the_broker_acknowledged(runtimes):
    broker = embedded.start_broker()
    runtime = await runtimes("enrollment", kafka_bootstrap_servers=broker.bootstrap_servers)
    producer = kafka.new_producer(broker.bootstrap_servers)
    await producer.start()
    relay = OutboxRelay("enrollment", runtime.engine, producer)
    try:
        broker.stop()
        await write_events(runtime, [progress_event("320115101001", 1)])
        with pytest.raises(Exception):  # noqa: B017 - any send failure will do
            await asyncio.wait_for(relay.publish_batch(), 30)
        assert await unpublished(runtime) == 1
        broker = embedded.start_broker(broker.port)
        await eventually(lambda: _published_one(relay), timeout=30, interval=0.5)
        assert await unpublished(runtime) == 0
    finally:
        await producer.stop()
        broker.stop()


async def _published_one(relay: OutboxRelay) -> bool:
    try:
        return await asyncio.wait_for(relay.publish_batch(), 12) == 1
    except Exception:
        return False


async def test_concurrent_writers_keep_each_aggregate_in_order(runtimes, broker):
    runtime = await runtimes("enrollment")
    units = [f"3201151010{n:02d}" for n in range(1, 9)]

    async def writer(unit: str) -> None:
        for n in range(15):
            await write_events(runtime, [progress_event(unit, n)])

    relay = await start_relay(runtime)
    try:
        await asyncio.gather(*(writer(u) for u in units))
        await eventually(lambda: _zero(unpublished(runtime)), timeout=15)
    finally:
        await stop_relay(*relay)
    messages = await read_topic(broker, runtime.topic("gridgov.enrollment"), 120)
    by_unit: dict[str, list[int]] = defaultdict(list)
    partitions: dict[str, set[int]] = defaultdict(set)
    for message in messages:
        data = envelope_of(message)["data"]
        by_unit[data["unit_code"]].append(data["completed_persons"])
        partitions[data["unit_code"]].add(message.partition)
    assert len(messages) == 120
    for unit in units:
        assert by_unit[unit] == list(range(15)), unit
        assert len(partitions[unit]) == 1


async def test_two_relays_publish_each_row_once_with_unique_positions(runtimes, broker):
    runtime = await runtimes("enrollment")
    first, second = await start_relay(runtime), await start_relay(runtime)
    try:
        await write_events(runtime, [progress_event("320115101001", n) for n in range(50)])
        await eventually(lambda: _zero(unpublished(runtime)), timeout=15)
    finally:
        await stop_relay(*first)
        await stop_relay(*second)
    messages = await read_topic(broker, runtime.topic("gridgov.enrollment"), 50)
    ids = [envelope_of(m)["id"] for m in messages]
    assert len(ids) == len(set(ids)) == 50
    async with runtime.engine.connect() as conn:
        positions = (
            (await conn.execute(select(outbox_table.c.position).order_by(outbox_table.c.id)))
            .scalars()
            .all()
        )
    assert positions == list(range(1, 51))


async def test_event_ids_are_unique_per_emit(runtimes):
    runtime = await runtimes("enrollment")
    await write_events(runtime, [progress_event("320115101001", 1)] * 2)
    async with runtime.engine.connect() as conn:
        ids = (await conn.execute(select(outbox_table.c.event_id))).scalars().all()
    assert len(set(ids)) == 2 and all(isinstance(i, uuid.UUID) for i in ids)
