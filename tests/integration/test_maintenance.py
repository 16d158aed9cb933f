"""Housekeeping: expired platform rows go, recent ones and dead letters stay; replay works."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, update

from libs.common import maintenance
from libs.common.applier import EventApplier
from libs.common.event_handlers import Delivery, EventHandlers
from libs.common.events.catalogue.enrollment import PaymentRecorded
from libs.common.platform_schema import dead_letter, idempotency_key, inbox, outbox
from services.scoring.consumers import HANDLERS
from tests.integration.test_consumer import delivery, payment_envelope, tally


async def count(runtime, table) -> int:
    async with runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))


async def test_purge_keeps_the_replay_window_and_dead_letters(runtimes):
    runtime = await runtimes("scoring")
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    async with runtime.engine.begin() as conn:
        for when in (old, recent):
            await conn.execute(
                insert(outbox).values(
                    event_id=uuid.uuid4(),
                    topic="t",
                    key="k",
                    type="x",
                    envelope={},
                    published_at=when,
                    created_at=when,
                )
            )
            await conn.execute(
                insert(inbox).values(event_id=uuid.uuid4(), type="x", source="s", processed_at=when)
            )
            await conn.execute(
                insert(idempotency_key).values(
                    scope="s",
                    key=str(when),
                    request_hash="h",
                    status_code=201,
                    body={},
                    created_at=when,
                )
            )
        await conn.execute(
            insert(outbox).values(  # never published: never purged
                event_id=uuid.uuid4(), topic="t", key="k", type="x", envelope={}, created_at=old
            )
        )
        await conn.execute(
            insert(dead_letter).values(topic="t", value=b"x", error="e", attempts=3, created_at=old)
        )
    purged = await maintenance.purge(runtime.engine)
    assert purged == {"outbox": 1, "inbox": 1, "idempotency_key": 1}
    assert await count(runtime, outbox) == 2
    assert await count(runtime, inbox) == 1
    assert await count(runtime, dead_letter) == 1


async def test_dead_letters_replay_once_the_handler_is_fixed(runtimes):
    runtime = await runtimes("scoring")

    async def broken(uow, event, envelope) -> None:
        raise RuntimeError("bug")

    envelope = payment_envelope()
    failing = EventApplier(
        "scoring",
        runtime.sessions,
        EventHandlers({PaymentRecorded: broken}, HANDLERS.end_batch),
        max_attempts=1,
    )
    assert await failing.apply([delivery(envelope)]) == ["dead_lettered"]
    assert await failing.replay_dead_letters() == {"dead_lettered": 1}
    assert await count(runtime, dead_letter) == 1

    fixed = EventApplier("scoring", runtime.sessions, HANDLERS)
    assert await fixed.replay_dead_letters() == {"applied": 1}
    assert await fixed.replay_dead_letters() == {}
    assert await tally(runtime) == 1
    async with runtime.engine.connect() as conn:
        replayed = (await conn.execute(select(dead_letter.c.replayed_at))).scalar_one()
    assert replayed is not None, "a replayed dead letter is kept, marked replayed"


async def test_poison_that_cannot_be_decoded_stays_dead_on_replay(runtimes):
    runtime = await runtimes("scoring")
    applier = runtime.applier()
    await applier.apply([Delivery("gridgov.enrollment", b"garbage", b"k")])
    assert await applier.replay_dead_letters() == {"dead_lettered": 1}
    assert await count(runtime, dead_letter) == 1
    async with runtime.engine.begin() as conn:
        await conn.execute(update(dead_letter).values(replayed_at=datetime.now(UTC)))
    assert await applier.replay_dead_letters() == {}
