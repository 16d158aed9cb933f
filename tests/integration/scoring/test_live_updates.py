"""A hazard closed in the hazards service moves the entity's score and the unit's rank."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from libs.common import kafka
from libs.common.consumer import KafkaEventConsumer
from libs.common.events.envelope import Envelope
from tests.conftest import eventually
from tests.integration.kafka_helpers import produce
from tests.integration.scoring.helpers import (
    ADMIN,
    VILLAGES,
    apply,
    at,
    credit_code,
    hazard_closed,
    ranking_of,
    safety_campaign,
)
from tests.integration.scoring.test_credit import basic

CODE = credit_code(7)
RANKING = "/v1/campaigns/safety-2027/pools/villages/ranking"


async def test_a_hazard_closed_event_moves_score_and_rank(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await client.put(f"/v1/credit/entities/{CODE}/basic", json=basic(Decimal(60)), headers=ADMIN)
    await apply(client.runtime, hazard_closed(VILLAGES[1], None, at(4, 1)))
    before = ranking_of((await client.get(RANKING, headers=ADMIN)).json())
    assert before[VILLAGES[1]] == (1, "1.0000") and before[VILLAGES[4]][0] == 2
    await apply(
        client.runtime,
        hazard_closed(VILLAGES[4], CODE, at(4, 2)),
        hazard_closed(VILLAGES[4], None, at(4, 3)),
    )
    after = ranking_of((await client.get(RANKING, headers=ADMIN)).json())
    assert after[VILLAGES[4]] == (1, "2.0000") and after[VILLAGES[1]] == (2, "1.0000")
    credit = (await client.get(f"/v1/credit/entities/{CODE}", headers=ADMIN)).json()
    assert credit["score"] == "605.00"


async def test_through_the_broker_a_hazard_closure_moves_the_rank(client_for, broker):
    client = await client_for("scoring")
    runtime = client.runtime
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await client.put(f"/v1/credit/entities/{CODE}/basic", json=basic(Decimal(60)), headers=ADMIN)
    topic = runtime.topic("gridgov.hazards")
    await kafka.ensure_topics(broker, [topic])
    consumer = KafkaEventConsumer(
        runtime.applier(), broker, [topic], group_id=runtime.topic("gridgov.scoring")
    )
    task = asyncio.create_task(consumer.run())
    try:
        await _send(broker, topic, hazard_closed(VILLAGES[1], None, at(4, 1)))  # warms the group

        async def village_1_counted() -> bool:
            body = (await client.get(RANKING, headers=ADMIN)).json()
            return ranking_of(body)[VILLAGES[1]] == (1, "1.0000")

        await eventually(village_1_counted, timeout=30)  # the consumer group has joined
        started = time.monotonic()
        await _send(broker, topic, hazard_closed(VILLAGES[4], CODE, at(4, 2)))
        await _send(broker, topic, hazard_closed(VILLAGES[4], None, at(4, 3)))

        async def village_4_leads() -> bool:
            body = (await client.get(RANKING, headers=ADMIN)).json()
            return ranking_of(body)[VILLAGES[4]] == (1, "2.0000")

        await eventually(village_4_leads, timeout=30, interval=0.02)
        elapsed = time.monotonic() - started
        credit = (await client.get(f"/v1/credit/entities/{CODE}", headers=ADMIN)).json()
    finally:
        consumer.stop.set()
        await asyncio.wait_for(task, 15)
    assert credit["score"] == "605.00"
    print(f"rank moved {elapsed:.3f}s after the events were produced (bench/ measures p99)")


async def _send(broker: str, topic: str, event: object) -> None:
    envelope = Envelope.wrap(event)  # type: ignore[arg-type]
    await produce(broker, topic, [(envelope.subject.encode(), envelope.model_dump_json().encode())])
