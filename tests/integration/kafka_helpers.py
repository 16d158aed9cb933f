"""Reading and writing topics directly, as a test observer."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 20.0) -> list[Any]:
    """Read a topic from the beginning until `expected` messages arrived (or time out)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    messages: list[Any] = []
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(messages) < expected and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                messages.extend(records)
        if expected == 0:
            messages.extend(
                m for r in (await consumer.getmany(timeout_ms=1000)).values() for m in r
            )
    finally:
        await consumer.stop()
    return messages


def envelope_of(message: Any) -> dict[str, Any]:
    """The decoded envelope of a Kafka message."""
    decoded: dict[str, Any] = json.loads(message.value)
    return decoded


async def produce(bootstrap: str, topic: str, items: list[tuple[bytes | None, bytes]]) -> None:
    """Produce raw (key, value) messages and wait for the acks."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        for key, value in items:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()
