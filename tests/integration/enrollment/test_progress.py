"""Live progress per unit: kept by deltas, equal to a recount, announced up the unit tree."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from libs.common.platform_schema import outbox
from services.enrollment.targets import progress, tally
from services.enrollment.targets.models import Task
from services.enrollment.targets.schemas import TaskRead
from tests.conftest import bearer, signed
from tests.support.enrollment import (
    ADMIN,
    COLLECTION_YEAR,
    PAID_AT,
    SCHEME,
    TEMPLATE,
    YEAR,
    enroll,
    notice,
    prepare_region,
)
from tests.support.enrollment_api import problem, rows, sheet

VILLAGE, OTHER_VILLAGE = "320115101001", "320115101002"
TOWN, DISTRICT = "320115101000", "320115000000"
TOWN_OFFICER = bearer(["town_officer"], TOWN)


async def pay(client: Any, n: int, **changes: Any) -> Any:
    raw, headers = signed(notice(n, unit=changes.pop("unit", VILLAGE), **changes))
    response = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert response.status_code in (201, 202), response.text
    return response.json()


async def reverse(client: Any, n: int) -> None:
    body = {
        "transaction_id": f"REV{n:05d}",
        "original_transaction_id": f"R{n:05d}",
        "amount": "320.00",
        "reversed_at": (PAID_AT + timedelta(days=2)).isoformat(),
    }
    raw, headers = signed(body)
    response = await client.post("/v1/partner/reversals", content=raw, headers=headers)
    assert response.status_code == 201, response.text


async def report(client: Any, unit: str = DISTRICT) -> dict[str, dict[str, Any]]:
    response = await client.get(
        f"/v1/progress/{SCHEME}/{YEAR}", params={"unit_code": unit}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return {row["unit_code"]: row for row in response.json()["rows"]}


async def live_equals_recount(client: Any) -> dict[str, tally.Standing]:
    async with client.runtime.sessions() as session:
        live = tally.as_mapping(await tally.figures(session, SCHEME, YEAR))
        counted = await progress.recount(session, SCHEME, YEAR)
    assert {u: s for u, s in live.items() if s} == counted
    return counted


async def progress_events(client: Any) -> list[dict[str, Any]]:
    async with client.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.envelope)
            .where(outbox.c.type == "gridgov.enrollment.progress.changed.v1")
            .order_by(outbox.c.id)
        )
        return [r.envelope["data"] for r in rows]


async def test_live_figures_equal_a_recount_through_payments_reversals_and_duplicates(
    client_for,
):
    client = await client_for("enrollment")
    await prepare_region(client)
    enrollments = {
        n: await enroll(client, n, VILLAGE if n < 4 else OTHER_VILLAGE) for n in range(6)
    }
    for n in (0, 1, 2, 4):
        await pay(client, n)
    await pay(client, 3, deposited_at=None)  # paid, not yet in the fund account
    await reverse(client, 1)
    flagged = await client.post(
        f"/v1/enrollments/{enrollments[2]['id']}/transitions",
        json={"action": "flag_duplicate", "reason": "insured in another city"},
        headers=ADMIN,
    )
    assert flagged.status_code == 200, flagged.text

    counted = await live_equals_recount(client)
    assert counted[VILLAGE] == tally.Standing(1, 3, Decimal("320.00"))
    assert counted[OTHER_VILLAGE] == tally.Standing(1, 2, Decimal("320.00"))
    assert counted[TOWN] == counted[DISTRICT] == tally.Standing(2, 5, Decimal("640.00"))
    rows = await report(client)
    assert rows[VILLAGE]["completed_persons"] == 1 and rows[VILLAGE]["enrolled_persons"] == 3
    assert rows[TOWN]["completed_persons"] == 2


async def test_a_payment_announces_its_village_and_the_registered_units_above(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll(client, 7)
    before = len(await progress_events(client))
    await pay(client, 7)
    events = (await progress_events(client))[before:]
    assert [e["unit_code"] for e in events] == [DISTRICT, TOWN, VILLAGE]
    assert all(e["completed_persons"] == 1 for e in events)
    assert all(e["deposited_amount"] == "320.00" for e in events)
    # Province and city codes are not registered units: nobody ranks them.
    assert "320000000000" not in {e["unit_code"] for e in events}


async def test_announcements_say_what_the_scheme_years_tasks_count(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll(client, 1)
    await pay(client, 1)
    body = {"template": TEMPLATE, "collection_year": COLLECTION_YEAR, "task_kind": "amount"}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    await enroll(client, 2)
    await pay(client, 2)
    kinds = [(e["completed_persons"], e["task_kind"]) for e in await progress_events(client)]
    village = [
        k
        for k, e in zip(kinds, await progress_events(client), strict=True)
        if e["unit_code"] == VILLAGE
    ]
    assert village == [(0, "persons"), (1, "persons"), (1, "amount"), (2, "amount")]


async def test_each_units_announcements_carry_increasing_as_of(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    for n in range(3):
        await enroll(client, n)
        await pay(client, n)
    village = [e for e in await progress_events(client) if e["unit_code"] == VILLAGE]
    assert [e["completed_persons"] for e in village] == [0, 1, 1, 2, 2, 3]  # enroll, pay, …
    stamps = [e["as_of"] for e in village]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


async def test_a_task_set_above_gives_the_effective_task_of_every_level(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    for village, task in ((VILLAGE, 10), (OTHER_VILLAGE, 20)):
        response = await client.put(
            f"/v1/targets/{SCHEME}/{YEAR}/{village}", json={"task": task}, headers=TOWN_OFFICER
        )
        assert response.status_code == 200, response.text
    rows = await report(client)
    assert Decimal(rows[TOWN]["task"]) == 30 and Decimal(rows[DISTRICT]["task"]) == 30
    own = await client.put(f"/v1/targets/{SCHEME}/{YEAR}/{TOWN}", json={"task": 25}, headers=ADMIN)
    assert own.status_code == 200, own.text
    rows = await report(client)
    assert Decimal(rows[TOWN]["task"]) == 25, "the level above's task wins over the sum"
    assert Decimal(rows[VILLAGE]["task"]) == 10
    tasks = {e["unit_code"]: e["task"] for e in await progress_events(client)}
    assert tasks[TOWN] == "25.00"


async def test_the_tasks_set_below_a_unit_say_who_set_them(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    town = bearer(["town_officer"], TOWN, subject="秣陵街道-王")
    for unit, task, headers in ((TOWN, 30, ADMIN), (VILLAGE, 10, town), (OTHER_VILLAGE, 20, town)):
        path = f"/v1/targets/{SCHEME}/{YEAR}/{unit}"
        assert (await client.put(path, json={"task": task}, headers=headers)).is_success

    async def tasks(unit: str, headers: dict[str, str] = ADMIN, **params: Any) -> Any:
        query = {"unit_code": unit} | params
        return await client.get(f"/v1/targets/{SCHEME}/{YEAR}", params=query, headers=headers)

    listed = (await tasks(TOWN, town)).json()
    assert [(t["unit_code"], Decimal(t["task"]), t["set_by"]) for t in listed] == [
        (TOWN, 30, "tester"),
        (VILLAGE, 10, "秣陵街道-王"),
        (OTHER_VILLAGE, 20, "秣陵街道-王"),
    ]
    assert all(t["set_at"] and t["kind"] == "persons" for t in listed)
    assert [t["unit_code"] for t in (await tasks(VILLAGE)).json()] == [VILLAGE]
    header, *lines = sheet(await tasks(DISTRICT, format="xlsx"))
    assert header == tuple(TaskRead.model_fields) and len(lines) == 3
    problem(await tasks(DISTRICT, town), 403)


@pytest.mark.parametrize(
    ("unit", "headers"),
    [(TOWN, TOWN_OFFICER), (VILLAGE, ADMIN)],
    ids=["its own task", "a task two levels down"],
)
async def test_only_the_level_directly_above_sets_a_task(client_for, unit, headers):
    client = await client_for("enrollment")
    await prepare_region(client)
    response = await client.put(
        f"/v1/targets/{SCHEME}/{YEAR}/{unit}", json={"task": 5}, headers=headers
    )
    assert problem(response, 403)["field"] == "unit_code"
    assert await rows(client, Task) == 0
