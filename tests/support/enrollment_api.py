"""Small HTTP and database helpers shared by the enrollment API tests.

They assert what every call must answer (a problem document on errors) and count rows and
outbox events, so each test states only what its case is about.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy import func, select

from libs.common.deps import get_now
from libs.common.platform_schema import outbox
from tests.conftest import bearer, signed
from tests.support.enrollment import ADMIN, PAID_AT, SCHEME, YEAR, notice, resident_id

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DISTRICT, TOWN, OTHER_TOWN = "320115000000", "320115101000", "320115102000"
VILLAGE, OTHER_VILLAGE, FAR_VILLAGE = "320115101001", "320115101002", "320115102001"
CLERK = bearer(["village_officer"], VILLAGE)
OTHER_CLERK = bearer(["village_officer"], OTHER_VILLAGE)
TOWN_OFFICER = bearer(["town_officer"], TOWN)
GRID_MEMBER = bearer(["grid_member"], VILLAGE)
STATUS_CHANGED = "gridgov.enrollment.enrollment.status_changed.v1"
AFTER_THE_WINDOW = datetime.fromisoformat("2027-01-01T09:00:00+08:00")
"""The first morning after the window of the tests' scheme-year (Oct 25 – Dec 31, 2026)."""


def set_clock(client: Any, at: datetime) -> None:
    """The time the service's date-bound rules act at, for every later request."""
    client.asgi_transport.app.dependency_overrides[get_now] = lambda: at


async def close_window(
    client: Any, headers: dict[str, str], scheme: str = SCHEME, at: datetime = AFTER_THE_WINDOW
) -> httpx.Response:
    """A planner closes the collection window, by default on the morning after it."""
    set_clock(client, at)
    return await client.post(f"/v1/schemes/{scheme}/years/{YEAR}/close-window", headers=headers)


RECORDED = "gridgov.enrollment.payment.recorded.v1"
ENROLLED = "gridgov.enrollment.person.enrolled.v1"


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """Assert an error answer: its status, problem+json, and (if given) its rule code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM, response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body.get("code") == code, body
    return body


async def rows(client: Any, table: Any, *where: Any) -> int:
    """How many rows of a table (or ORM model) match `where`."""
    async with client.runtime.engine.connect() as conn:
        query = select(func.count()).select_from(table)
        return int(await conn.scalar(query.where(*where) if where else query))


async def events(client: Any, type_: str) -> list[dict[str, Any]]:
    """The data of every outbox event of a type, in the order they were written."""
    async with client.runtime.engine.connect() as conn:
        found = await conn.execute(
            select(outbox.c.envelope).where(outbox.c.type == type_).order_by(outbox.c.id)
        )
        return [r.envelope["data"] for r in found]


async def moves(client: Any, enrollment_id: str) -> list[tuple[str, str]]:
    """The (from, to) of every `status_changed` event of one enrollment."""
    return [
        (e["from_state"], e["to_state"])
        for e in await events(client, STATUS_CHANGED)
        if e["enrollment_id"] == enrollment_id
    ]


async def register(
    client: Any, n: int, unit: str = VILLAGE, headers: dict[str, str] = ADMIN, **fields: Any
) -> dict[str, Any]:
    """Register resident n (name 居民n unless given) in a village; return the person."""
    body = {"resident_id": resident_id(n), "name": f"居民{n}", "unit_code": unit} | fields
    response = await client.post("/v1/persons", json=body, headers=headers)
    assert response.status_code == 201, response.text
    person: dict[str, Any] = response.json()
    return person


async def post_enrollment(
    client: Any, person_id: str, /, headers: dict[str, str] = ADMIN, **changes: Any
) -> httpx.Response:
    """POST /v1/enrollments for a person in resident medical 2027."""
    body = {"person_id": person_id, "scheme_code": SCHEME, "year": YEAR} | changes
    return await client.post("/v1/enrollments", json=body, headers=headers)


async def enrollment(client: Any, enrollment_id: str) -> dict[str, Any]:
    """GET one enrollment as the district admin."""
    response = await client.get(f"/v1/enrollments/{enrollment_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def act(
    client: Any, enrollment_id: str, action: str, headers: dict[str, str] = ADMIN
) -> httpx.Response:
    """POST a lifecycle action with a reason."""
    return await client.post(
        f"/v1/enrollments/{enrollment_id}/transitions",
        json={"action": action, "reason": f"test {action}"},
        headers=headers,
    )


async def pay(client: Any, n: int, **changes: Any) -> httpx.Response:
    """Post payment notice n (320 in the window unless changed), signed by the partner."""
    raw, headers = signed(notice(n, **changes))
    return await client.post("/v1/partner/payments", content=raw, headers=headers)


async def reverse(client: Any, original: str, amount: str = "320.00") -> httpx.Response:
    """The partner reverses (冲正) its payment `original` for `amount`."""
    body = {
        "transaction_id": f"REV-{original}",
        "original_transaction_id": original,
        "amount": amount,
        "reversed_at": (PAID_AT + timedelta(days=2)).isoformat(),
    }
    raw, headers = signed(body)
    return await client.post("/v1/partner/reversals", content=raw, headers=headers)


def money(value: Any) -> Decimal:
    """A JSON amount as an exact Decimal."""
    return Decimal(str(value))


def sheet(response: httpx.Response) -> list[tuple[Any, ...]]:
    """The rows of an .xlsx download (header first), after checking its media type."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]
