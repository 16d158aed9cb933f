"""/readyz tells the truth: 503 with the reason when the service cannot publish its events or
its consumer is stuck, 200 again once it publishes or moves; /metrics shows both."""

from __future__ import annotations

import asyncio
import re
import time

from aiokafka.errors import KafkaError
from prometheus_client import REGISTRY
from sqlalchemy import text

from libs.common.applier import EventApplier
from libs.common.consumer import KafkaEventConsumer
from libs.common.db import UnitOfWork
from libs.common.event_handlers import EventHandlers
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.relay import OutboxRelay
from services.scoring.consumers import HANDLERS
from tests.conftest import eventually
from tests.integration.kafka_helpers import produce
from tests.integration.test_consumer import payment_envelope
from tests.integration.test_outbox_relay import (
    progress_event,
    start_relay,
    stop_relay,
    write_events,
)

PROBLEM = "application/problem+json"


def gauge(metrics_text: str, name: str, service: str) -> float:
    """The value of a gauge labelled only by service."""
    match = re.search(rf'^{name}{{service="{service}"}} (\S+)$', metrics_text, re.MULTILINE)
    assert match, f"{name} for {service} not in /metrics"
    return float(match.group(1))


async def _status(client, expected: int) -> bool:
    return (await client.get("/readyz")).status_code == expected


async def test_readiness_fails_while_the_outbox_is_not_published(client_for):
    client = await client_for("enrollment")  # no relay runs: rows stay unpublished
    runtime = client.runtime
    await write_events(runtime, [progress_event("320115101001", n) for n in range(3)])
    fresh = await client.get("/readyz")
    assert fresh.status_code == 200, "rows younger than the bound: the relay has time"
    assert fresh.json()["figures"]["outbox"]["backlog"] == 3

    async with runtime.engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET created_at = now() - interval '5 minutes'"))
    stalled = await client.get("/readyz")
    assert stalled.status_code == 503
    assert stalled.headers["content-type"] == PROBLEM
    body = stalled.json()
    assert body["status"] == 503 and body["type"].endswith("/not-ready")
    assert body["failed"] == ["outbox"]
    assert body["checks"] == {"database": True, "broker": True, "outbox": False, "consumers": True}
    assert "cannot publish" in body["detail"] and "3 outbox event(s)" in body["detail"]
    figures = body["figures"]["outbox"]
    assert figures["backlog"] == 3 and figures["bound_seconds"] == 60
    assert 299 <= figures["oldest_unpublished_age_seconds"] < 400
    metrics = (await client.get("/metrics")).text
    assert gauge(metrics, "outbox_oldest_unpublished_age_seconds", "enrollment") >= 299
    assert gauge(metrics, "outbox_backlog", "enrollment") == 3

    relay = await start_relay(runtime)
    try:
        await eventually(lambda: _status(client, 200), timeout=15)
    finally:
        await stop_relay(*relay)
    ready = (await client.get("/readyz")).json()
    assert ready["checks"]["outbox"] is True and ready["figures"]["outbox"]["backlog"] == 0
    metrics = (await client.get("/metrics")).text
    assert gauge(metrics, "outbox_oldest_unpublished_age_seconds", "enrollment") == 0


async def test_the_outbox_bound_is_a_setting(client_for):
    client = await client_for("enrollment", ready_outbox_max_age_seconds=600)
    await write_events(client.runtime, [progress_event("320115101001", 1)])
    async with client.runtime.engine.begin() as conn:
        await conn.execute(text("UPDATE outbox SET created_at = now() - interval '5 minutes'"))
    assert (await client.get("/readyz")).status_code == 200


async def test_readiness_fails_while_the_consumer_is_stuck_and_recovers(client_for, broker):
    client = await client_for("scoring", ready_consumer_stall_seconds=1)
    runtime = client.runtime
    released = asyncio.Event()

    async def held_up(uow: UnitOfWork, event, envelope) -> object:
        await released.wait()  # a handler that never finishes (a lock, a slow dependency)
        return await HANDLERS.on[PaymentRecorded](uow, event, envelope)

    applier = EventApplier(
        "scoring", runtime.sessions, EventHandlers({PaymentRecorded: held_up}, HANDLERS.end_batch)
    )
    topic = runtime.topic("gridgov.enrollment")
    consumer = KafkaEventConsumer(applier, broker, [topic], group_id=runtime.topic("group"))
    runtime.consumer = consumer
    task = asyncio.create_task(consumer.run())
    try:
        assert (await client.get("/readyz")).status_code == 200, "idle, nothing behind"
        envelopes = [payment_envelope(n) for n in range(5)]
        await produce(broker, topic, [(b"k", e.model_dump_json().encode()) for e in envelopes])
        await eventually(lambda: _status(client, 503), timeout=30)
        body = (await client.get("/readyz")).json()
        assert body["failed"] == ["consumers"]
        assert "consumer stuck" in body["detail"]
        figures = body["figures"]["consumers"]
        assert figures["behind"] == 5 and figures["in_flight"] == 5
        assert figures["seconds_since_progress"] > 1
        metrics = (await client.get("/metrics")).text
        before = gauge(metrics, "consumer_last_progress_timestamp_seconds", "scoring")
        assert before < time.time() - 1

        released.set()
        await eventually(lambda: _status(client, 200), timeout=30)
        assert consumer.behind() == 0
        metrics = (await client.get("/metrics")).text
        assert gauge(metrics, "consumer_last_progress_timestamp_seconds", "scoring") > before
    finally:
        released.set()
        consumer.stop.set()
        await asyncio.wait_for(task, 15)
        runtime.consumer = None


async def test_an_idle_consumer_is_ready_however_long_ago_it_applied(client_for, broker):
    client = await client_for("scoring", ready_consumer_stall_seconds=1)
    consumer = KafkaEventConsumer(client.runtime.applier(), broker, ["t"], group_id="g")
    client.runtime.consumer = consumer
    consumer.progressed(time.time() - 3600)
    consumer.lag = {("t", 0): 0}
    assert (await client.get("/readyz")).status_code == 200
    consumer.lag = {("t", 0): 7}
    stuck = await client.get("/readyz")
    assert stuck.status_code == 503 and stuck.json()["figures"]["consumers"]["behind"] == 7
    consumer.progressed()
    assert (await client.get("/readyz")).status_code == 200
    client.runtime.consumer = None


class RefusingProducer:
    """A producer whose broker refuses every message (as after a restart that lost topics)."""

    async def send(self, *args: object, **kwargs: object) -> None:
        raise KafkaError("UnknownError")


async def test_relay_publish_failures_are_counted(runtimes):
    runtime = await runtimes("enrollment")
    await write_events(runtime, [progress_event("320115101001", 1)])
    relay = OutboxRelay("enrollment", runtime.engine, RefusingProducer(), poll_seconds=0.2)
    labels = {"service": "enrollment"}
    before = REGISTRY.get_sample_value("relay_publish_failures_total", labels) or 0.0

    async def failed_again() -> bool:
        return (REGISTRY.get_sample_value("relay_publish_failures_total", labels) or 0) > before

    task = asyncio.create_task(relay.run())
    try:
        await eventually(failed_again, timeout=10)
    finally:
        relay.stop.set()
        await asyncio.wait_for(task, 10)
