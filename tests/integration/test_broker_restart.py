"""A broker that restarts empty (the embedded one keeps nothing) costs seconds, not minutes:
the running relay re-creates its topic and publishes what waited, and a running consumer
goes on reading the new topic."""

from __future__ import annotations

import asyncio
import time

from libs.common import embedded, kafka
from libs.common.relay import OutboxRelay
from tests.integration.kafka_helpers import read_topic
from tests.integration.test_outbox_relay import progress_event, unpublished, write_events

RECOVERY_SECONDS = 10.0
"""What the operator is promised: publishing again within this of the broker's return."""


async def test_the_running_relay_publishes_within_seconds_of_an_empty_broker_returning(
    runtimes,
) -> None:
    broker = embedded.start_broker()
    runtime = await runtimes("enrollment", kafka_bootstrap_servers=broker.bootstrap_servers)
    topic = runtime.topic("gridgov.enrollment")
    await kafka.ensure_topics(broker.bootstrap_servers, [topic])
    producer = kafka.new_producer(broker.bootstrap_servers)
    await producer.start()
    relay = OutboxRelay(
        "enrollment",
        runtime.engine,
        producer,
        topic_prefix=runtime.settings.topic_prefix,
        poll_seconds=0.2,
        bootstrap_servers=broker.bootstrap_servers,
    )
    task = asyncio.create_task(relay.run())
    try:
        await write_events(runtime, [progress_event("320115101001", 1)])
        assert len(await read_topic(broker.bootstrap_servers, topic, 1)) == 1
        broker.stop()
        await write_events(runtime, [progress_event("320115101001", n) for n in range(2, 6)])
        # Longer than the producer's request timeout (10 s): the waiting batch fails, and the
        # relay's backoff has grown to its longest.
        await asyncio.sleep(14)
        broker = embedded.start_broker(broker.port)
        back = time.monotonic()
        while await unpublished(runtime):
            took = time.monotonic() - back
            assert took < RECOVERY_SECONDS, f"still unpublished {took:.1f} s after the return"
            await asyncio.sleep(0.1)
        messages = await read_topic(broker.bootstrap_servers, topic, 4)
        assert len(messages) == 4, "the new broker holds what waited, once"
    finally:
        relay.stop.set()
        await asyncio.wait_for(task, 15)
        await producer.stop()
        broker.stop()
