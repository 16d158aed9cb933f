"""Concurrent webhook calls are posted together, yet each gets its own answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select

from libs.common.db import UnitOfWork
from libs.common.limits import MAX_REQUEST_BYTES
from libs.common.pii import PiiVault
from libs.common.platform_schema import outbox
from services.enrollment.models import Delivery, Payment
from services.enrollment.payments import service, webhook
from services.enrollment.payments.schemas import PaymentCreate, ReversalCreate
from tests.conftest import PARTNER, PII_KEY, signed
from tests.support.enrollment import PAID_AT, enroll_many, notice, prepare_region

VILLAGE = "320115101001"
RECORDED = "gridgov.enrollment.payment.recorded.v1"


async def count(client: Any, query: Any) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(query))


def commits_of(client: Any) -> list[int]:
    seen = [0]

    @event.listens_for(client.runtime.engine.sync_engine, "commit")
    def on_commit(_conn: Any) -> None:
        seen[0] += 1

    return seen


async def post(client: Any, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    raw, headers = signed(body, key=key)
    return await client.post(path, content=raw, headers=headers)


async def test_fifty_concurrent_payments_are_each_recorded_with_fewer_commits(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(n, VILLAGE) for n in range(50)])
    commits = commits_of(client)
    responses = await asyncio.gather(
        *(post(client, "/v1/partner/payments", notice(n)) for n in range(50))
    )
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses][:3]
    assert {r.json()["transaction_id"] for r in responses} == {f"R{n:05d}" for n in range(50)}
    assert await count(client, select(func.count()).select_from(Payment)) == 50
    recorded = select(func.count()).select_from(outbox).where(outbox.c.type == RECORDED)
    assert await count(client, recorded) == 50
    assert await count(client, select(func.count()).select_from(Delivery)) == 50
    assert commits[0] < 50, f"{commits[0]} commits for 50 concurrent calls"


async def test_a_refused_call_in_a_batch_fails_alone_and_writes_nothing(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(n, VILLAGE) for n in range(3)])
    bodies = [notice(0), notice(1) | {"scheme_code": "no-such-scheme"}, notice(2)]
    responses = await asyncio.gather(*(post(client, "/v1/partner/payments", b) for b in bodies))
    assert [r.status_code for r in responses] == [201, 422, 201]
    problem = responses[1].json()
    assert problem["code"] == "scheme_unknown" and problem["field"] == "scheme_code"
    assert responses[1].headers["content-type"] == "application/problem+json"
    assert await count(client, select(func.count()).select_from(Payment)) == 2
    assert await count(client, select(func.count()).select_from(Delivery)) == 2


async def test_a_payment_and_its_reversal_in_one_batch_both_post(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(0, VILLAGE)])
    reversal = ReversalCreate(
        transaction_id="REV-0",
        original_transaction_id="R00000",
        amount=Decimal("320.00"),
        reversed_at=PAID_AT + timedelta(days=1),
    )
    calls = [
        webhook.Call(PARTNER, service.payment_notice(PaymentCreate(**notice(0)))),
        webhook.Call(PARTNER, service.reversal_notice(reversal)),
    ]
    async with client.runtime.sessions() as session, UnitOfWork(session) as uow:
        paid, reversed_ = await webhook.post_calls(uow, calls, PiiVault(PII_KEY), datetime.now(UTC))
        await uow.commit()
    assert isinstance(paid, webhook.Answer) and paid.status == 201
    assert isinstance(reversed_, webhook.Answer) and reversed_.status == 201
    assert reversed_.payment.reverses_transaction_id == "R00000"


async def test_a_key_replayed_in_a_later_batch_returns_the_first_entry(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(0, VILLAGE)])
    first = await post(client, "/v1/partner/payments", notice(0), key="same")
    again = await asyncio.gather(
        *(post(client, "/v1/partner/payments", notice(0), key="same") for _ in range(3))
    )
    assert first.status_code == 201
    assert {r.status_code for r in again} == {200}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert {r.json()["outcome"] for r in again} == {"duplicate"}


async def test_a_body_over_the_limit_is_refused_before_it_is_read_and_nothing_is_written(
    client_for,
):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(0, VILLAGE)])
    body = notice(0) | {"padding": "x" * MAX_REQUEST_BYTES}
    response = await post(client, "/v1/partner/payments", body)
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert await count(client, select(func.count()).select_from(Payment)) == 0
    assert await count(client, select(func.count()).select_from(Delivery)) == 0


async def test_a_body_streamed_past_the_limit_without_its_length_is_refused_as_well(client_for):
    client = await client_for("enrollment")
    raw, headers = signed(notice(0) | {"padding": "x" * MAX_REQUEST_BYTES})

    async def in_pieces() -> Any:
        for start in range(0, len(raw), 1 << 16):
            yield raw[start : start + (1 << 16)]

    response = await client.post("/v1/partner/payments", content=in_pieces(), headers=headers)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/content-too-large")
    assert await count(client, select(func.count()).select_from(Payment)) == 0
