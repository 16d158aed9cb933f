"""The suspense queue: a payment that matches no enrollment waits for a clerk, who matches
it (then it is recorded and settles the person) or returns it; nothing is dropped.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from libs.common.platform_schema import outbox
from services.enrollment.models import EnrollmentTransition, Payment
from services.enrollment.payments.schemas import PaymentRead
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, SCHEME, YEAR, enroll, prepare_region
from tests.support.enrollment_api import (
    CLERK,
    FAR_VILLAGE,
    GRID_MEMBER,
    OTHER_CLERK,
    RECORDED,
    TOWN,
    TOWN_OFFICER,
    VILLAGE,
    enrollment,
    events,
    pay,
    problem,
    reverse,
    rows,
    sheet,
)

OTHER_TOWN_OFFICER = bearer(["town_officer"], "320115102000")


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


async def waiting(client: Any, unit: str = VILLAGE, headers: dict[str, str] = ADMIN) -> list[str]:
    response = await client.get(
        "/v1/payments/suspense", params={"unit_code": unit}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert all(p["outcome"] == "suspense" for p in response.json())
    return [p["transaction_id"] for p in response.json()]


async def test_the_suspense_list_downloads_as_a_workbook(client):
    payment = await held(client, 7)
    query = {"unit_code": VILLAGE, "format": "xlsx"}
    header, *lines = sheet(await client.get("/v1/payments/suspense", params=query, headers=CLERK))
    assert header == tuple(PaymentRead.model_fields)
    [line] = lines
    row = dict(zip(header, line, strict=True))
    assert (row["id"], row["note"], row["amount"]) == (payment["id"], "no_enrollment", 320)


async def held(client: Any, n: int, **changes: Any) -> dict[str, Any]:
    """Payment n for a person nobody enrolled: 202, held in suspense."""
    response = await pay(client, n, **changes)
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    assert body["outcome"] == "suspense" and body["status"] == "suspense"
    assert body["enrollment_id"] is None and body["note"] == "no_enrollment"
    return body


async def untouched(client: Any, payment_id: str) -> bool:
    """Whether a payment is still in suspense, unresolved, with its original note."""
    async with client.runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    Payment.status, Payment.resolved_by, Payment.note, Payment.enrollment_id
                ).where(Payment.id == uuid.UUID(payment_id))
            )
        ).one()
    return tuple(row) == ("suspense", None, "no_enrollment", None)


async def resolve(
    client: Any, payment_id: str, action: str, headers: dict[str, str] = CLERK, **extra: Any
) -> Any:
    return await client.post(
        f"/v1/payments/suspense/{payment_id}/resolve",
        json={"action": action, "note": "checked with the bank"} | extra,
        headers=headers,
    )


async def test_a_payment_for_someone_not_enrolled_waits_in_the_units_suspense(client):
    await held(client, 1)
    await held(client, 2, unit=FAR_VILLAGE)
    assert await waiting(client) == ["R00001"]
    assert await waiting(client, TOWN, TOWN_OFFICER) == ["R00001"]
    assert await waiting(client, VILLAGE, GRID_MEMBER) == ["R00001"]
    assert await waiting(client, "320115000000") == ["R00001", "R00002"]
    assert await waiting(client, "320115102000", OTHER_TOWN_OFFICER) == ["R00002"]
    problem(
        await client.get(
            "/v1/payments/suspense", params={"unit_code": VILLAGE}, headers=OTHER_CLERK
        ),
        403,
    )
    assert await rows(client, Payment) == 2 and await events(client, RECORDED) == []


async def test_matching_after_enrollment_records_the_payment_and_completes_the_person(client):
    payment = await held(client, 1)
    made = await enroll(client, 1)
    assert (await enrollment(client, made["id"]))["state"] == "registered"

    response = await resolve(client, payment["id"], "match")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["outcome"]) == ("posted", "recorded")
    assert body["enrollment_id"] == made["id"] and body["note"] == "checked with the bank"
    after = await enrollment(client, made["id"])
    assert (after["state"], after["settlement"], after["counted"]) == ("paid", "complete", True)
    [event] = await events(client, RECORDED)
    assert event["payment_id"] == payment["id"] and event["enrollment_id"] == made["id"]
    assert event["completes_person"] is True
    assert await waiting(client) == []
    progress = await client.get(
        f"/v1/progress/{SCHEME}/{YEAR}", params={"unit_code": VILLAGE}, headers=ADMIN
    )
    assert progress.json()["rows"][0]["completed_persons"] == 1

    emitted = await rows(client, outbox)
    problem(await resolve(client, payment["id"], "match"), 409)
    problem(await resolve(client, payment["id"], "return"), 409)
    assert await rows(client, outbox) == emitted


async def test_a_returned_payment_leaves_the_queue_and_settles_nothing(client):
    payment = await held(client, 1)
    made = await enroll(client, 1)
    response = await resolve(client, payment["id"], "return")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["outcome"], body["enrollment_id"]) == (
        "returned",
        "returned",
        None,
    )
    assert await waiting(client) == []
    problem(await resolve(client, payment["id"], "return"), 409)
    problem(await resolve(client, payment["id"], "match"), 409)
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await events(client, RECORDED) == []


async def test_a_payment_reversed_by_the_partner_cannot_be_resolved(client):
    payment = await held(client, 1)
    reversal = await reverse(client, "R00001")
    assert reversal.status_code == 201, reversal.text
    assert await waiting(client) == []
    made = await enroll(client, 1)
    trail = await rows(client, EnrollmentTransition)
    for action in ("match", "return"):
        problem(await resolve(client, payment["id"], action), 409)
    assert (await enrollment(client, made["id"]))["state"] == "registered"
    assert await rows(client, EnrollmentTransition) == trail
    assert await events(client, RECORDED) == []


async def test_matching_without_an_enrollment_is_422_and_changes_nothing(client):
    payment = await held(client, 1)
    problem(await resolve(client, payment["id"], "match"), 422, "no_enrollment")
    other = await enroll(client, 2, FAR_VILLAGE)
    chosen = {"enrollment_id": other["id"]}
    problem(await resolve(client, payment["id"], "match", **chosen), 422, "no_enrollment")
    assert await waiting(client) == ["R00001"]
    assert (await enrollment(client, other["id"]))["state"] == "registered"
    assert await untouched(client, payment["id"])


@pytest.mark.parametrize(
    ("headers", "status"),
    [(GRID_MEMBER, 403), (OTHER_CLERK, 404), (OTHER_TOWN_OFFICER, 404)],
)
async def test_only_an_officer_over_the_unit_resolves(client, headers, status):
    payment = await held(client, 1)
    await enroll(client, 1)
    problem(await resolve(client, payment["id"], "match", headers=headers), status)
    problem(await resolve(client, str(uuid.uuid4()), "return"), 404)
    assert await waiting(client) == ["R00001"]
    assert await untouched(client, payment["id"])
    assert await events(client, RECORDED) == []
