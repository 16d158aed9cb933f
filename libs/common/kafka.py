"""Kafka clients configured the one way gridgov uses them."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from libs.common.logging import get_logger

log = get_logger(__name__)
PARTITIONS = 6


def new_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    """acks=all without idempotence: the embedded broker cannot init producer ids, and the
    consumers' inbox makes duplicates harmless anyway."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=False,
        linger_ms=1,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap_servers: str, topics: Iterable[str]) -> None:
    """Create missing topics; a broker that auto-creates or refuses is only logged."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10_000)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, PARTITIONS, 1) for t in topics if t not in existing]
        if missing:
            await admin.create_topics(missing)
    except TopicAlreadyExistsError:
        pass
    except (KafkaError, OSError) as exc:
        log.warning("could not ensure topics", error=repr(exc))
    finally:
        await admin.close()


async def broker_reachable(bootstrap_servers: str) -> bool:
    """True when the broker answers a metadata request."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=3_000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        await admin.close()
