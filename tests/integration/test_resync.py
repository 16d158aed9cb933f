"""A consumer re-syncs from the producer's outbox what the broker lost, applying it once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from libs.common import auth, kafka, outbox
from libs.common.db import UnitOfWork
from libs.common.relay import OutboxRelay
from libs.common.resync import OutboxResync, checkpoint_of
from services.scoring.tallies.models import UnitPaymentTally
from tests.conftest import JWT_SECRET, bearer, signed
from tests.integration.test_consumer import delivery, payment_envelope
from tests.support.enrollment import enroll, notice, prepare_region


async def published_through_relay(client) -> None:
    runtime = client.runtime
    producer = kafka.new_producer(runtime.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        relay = OutboxRelay(
            "enrollment", runtime.engine, producer, topic_prefix=runtime.settings.topic_prefix
        )
        while await relay.publish_batch():
            pass
    finally:
        await producer.stop()


async def test_resync_applies_what_kafka_never_delivered_exactly_once(client_for, runtimes):
    enrollment = await client_for("enrollment")
    scoring = await runtimes("scoring")
    await prepare_region(enrollment)
    for n in range(7):
        await enroll(enrollment, n)
        body, headers = signed(notice(n))
        assert (
            await enrollment.post("/v1/partner/payments", content=body, headers=headers)
        ).status_code == 201
    await published_through_relay(enrollment)
    # Two of the seven did reach scoring through Kafka before the broker lost the rest.
    async with enrollment.runtime.engine.connect() as conn:
        envelopes = [
            row.envelope
            for row in (
                await conn.execute(
                    select(outbox.outbox.c.envelope).order_by(outbox.outbox.c.position)
                )
            ).all()
        ]
    from libs.common.events.envelope import Envelope

    recorded = [e for e in envelopes if e["type"].endswith("payment.recorded.v1")]
    await scoring.applier().apply([delivery(Envelope(**e)) for e in recorded[:2]])

    resync = OutboxResync(
        scoring.applier(),
        scoring.engine,
        {},
        token=_service_token(),
        grace_seconds=0,
        page_size=3,
    )
    async with httpx.AsyncClient(transport=enrollment.asgi_transport) as client:
        assert await resync.resync("enrollment", "http://enrollment", client) == len(envelopes)
        assert await resync.resync("enrollment", "http://enrollment", client) == 0
    assert await checkpoint_of(scoring.engine, "enrollment") == len(envelopes)
    async with scoring.engine.connect() as conn:
        assert await conn.scalar(select(func.sum(UnitPaymentTally.payments))) == 7


def _service_token() -> str:
    return auth.mint_token(
        JWT_SECRET, subject="svc", roles=["service"], jurisdiction="000000000000"
    )


def _service_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {_service_token()}"}


async def test_replay_serves_only_rows_published_before_the_grace_cutoff(client_for):
    enrollment = await client_for("enrollment")
    async with enrollment.runtime.sessions() as session, UnitOfWork(session) as uow:
        uow.emit(_event())
        await uow.commit()
    await published_through_relay(enrollment)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = await enrollment.get(
        "/internal/outbox", params={"published_before": past}, headers=_service_headers()
    )
    assert response.json() == {"events": []}
    response = await enrollment.get("/internal/outbox", headers=_service_headers())
    assert [e["position"] for e in response.json()["events"]] == [1]


async def test_the_outbox_is_served_only_to_services(client_for):
    enrollment = await client_for("enrollment")
    response = await enrollment.get(
        "/internal/outbox", headers=bearer(["district_admin"], "320115000000")
    )
    assert response.status_code == 403
    assert (await enrollment.get("/internal/outbox")).status_code == 401


def _event():
    from libs.common.events.catalogue.enrollment import PaymentRecorded
    from libs.common.events.registry import parse

    event = parse(payment_envelope())
    assert isinstance(event, PaymentRecorded)
    return event
