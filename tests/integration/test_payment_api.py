"""The payment webhook: signed, idempotent, validated, nothing written on bad input."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from sqlalchemy import func, select

from libs.common import auth
from libs.common.platform_schema import outbox
from services.enrollment.models import Payment
from tests.conftest import OTHER_PARTNER, OTHER_SECRET, PARTNER, PARTNER_SECRET, signed
from tests.support.enrollment import enroll, notice, prepare_region

PROBLEM = "application/problem+json"
RECORDED = "gridgov.enrollment.payment.recorded.v1"


async def rows(client, table) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))


async def recorded_events(client) -> int:
    async with client.runtime.engine.connect() as conn:
        query = select(func.count()).select_from(outbox).where(outbox.c.type == RECORDED)
        return int(await conn.scalar(query))


@pytest.fixture
async def client(client_for):
    """Enrollment with persons 1 and 2 enrolled in resident medical 2027."""
    client = await client_for("enrollment")
    await prepare_region(client)
    for n in (1, 2):
        await enroll(client, n)
    return client


async def post(client, body, **kw):
    raw, headers = signed(body, **kw)
    return await client.post("/v1/partner/payments", content=raw, headers=headers)


async def test_a_signed_payment_is_recorded_with_one_event(client):
    response = await post(client, notice(1))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "recorded" and body["amount"] == "320.00"
    assert "resident_id" not in body
    assert await rows(client, Payment) == 1 and await recorded_events(client) == 1
    async with client.runtime.engine.connect() as conn:
        stored = (await conn.execute(select(Payment.person_key))).scalar_one()
    assert notice(1)["resident_id"] not in stored, "the ID number is never stored in clear"


async def test_a_redelivery_is_recorded_once(client):
    assert (await post(client, notice(1), key="first")).status_code == 201
    again = await post(client, notice(1), key="second")
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    same_key = await post(client, notice(1), key="first")
    assert same_key.status_code == 200
    assert await rows(client, Payment) == 1 and await recorded_events(client) == 1


async def test_an_idempotency_key_reused_for_another_body_is_refused(client):
    assert (await post(client, notice(1), key="k")).status_code == 201
    response = await post(client, notice(2), key="k")
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert await rows(client, Payment) == 1


async def test_a_bad_signature_is_401_and_nothing_is_written(client):
    raw, headers = signed(notice(1))
    headers["X-Gridgov-Signature"] = "sha256=" + "0" * 64
    response = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert await rows(client, Payment) == 0


async def test_a_body_changed_after_signing_is_401(client):
    raw, headers = signed(notice(1))
    tampered = raw.replace(b'"320.00"', b'"3200.00"')
    response = await client.post("/v1/partner/payments", content=tampered, headers=headers)
    assert response.status_code == 401


async def test_a_stale_signature_is_401(client):
    raw = json.dumps(notice(1)).encode()
    old = str(int(time.time()) - 3600)
    headers = {
        "Content-Type": "application/json",
        "X-Partner-Id": PARTNER,
        "Idempotency-Key": "k",
        "X-Gridgov-Timestamp": old,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(PARTNER_SECRET, old, raw),
    }
    response = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert response.status_code == 401


async def test_unsigned_requests_are_refused_naming_the_missing_headers(client):
    response = await client.post("/v1/partner/payments", json=notice(1))
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"x-partner-id", "x-gridgov-signature", "idempotency-key"} <= fields
    assert await rows(client, Payment) == 0


async def test_a_bad_resident_id_is_422_naming_the_field(client):
    bad = notice(1) | {"resident_id": "320115196001151230"}
    response = await post(client, bad)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == PROBLEM
    assert problem["errors"][0]["pointer"] == "#/body/resident_id"
    assert problem["errors"][0]["field"] == "resident_id"
    assert await rows(client, Payment) == 0 and await recorded_events(client) == 0


async def test_float_like_and_negative_amounts_are_refused(client):
    for amount in ["-1", "0", "320.001", "abc"]:
        response = await post(client, notice(1) | {"amount": amount})
        assert response.status_code == 422, amount
        assert response.json()["errors"][0]["field"] == "amount"
    assert await rows(client, Payment) == 0


async def test_a_partner_sees_only_its_own_payments(client):
    assert (await post(client, notice(1))).status_code == 201
    own = await _get(client, "R00001", PARTNER, PARTNER_SECRET)
    assert own.status_code == 200 and own.json()["transaction_id"] == "R00001"
    other = await _get(client, "R00001", OTHER_PARTNER, OTHER_SECRET)
    assert other.status_code == 404
    assert other.headers["content-type"] == PROBLEM


async def _get(client, txn: str, partner: str, secret: str):
    ts = str(int(time.time()))
    headers = {
        "X-Partner-Id": partner,
        "X-Gridgov-Timestamp": ts,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, ts, b""),
    }
    return await client.get(f"/v1/partner/payments/{txn}", headers=headers)


async def test_concurrent_deliveries_of_one_payment_record_it_once(client):
    responses = await asyncio.gather(*(post(client, notice(1), key=f"k{n}") for n in range(3)))
    assert sorted(r.status_code for r in responses) == [200, 200, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await rows(client, Payment) == 1 and await recorded_events(client) == 1
