"""A region ready to take payments: units, a scheme-year, persons enrolled in it.

Payments post only against a scheme offered for the year and a known unit, and count only
for an enrolled person (others wait in suspense), so every payment test starts here. The
helpers talk HTTP, so they serve in-process clients and the e2e stack alike.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from libs.common.identifiers import resident_id_check_char
from services.demo import DISTRICT, TOWNS, VILLAGES
from tests.conftest import bearer

SCHEME = "resident-medical-a"
TEMPLATE = "resident_medical/variant-a"
YEAR = 2027
COLLECTION_YEAR = 2026
"""Resident medical for 2027 is collected in the autumn of 2026 (window Oct 25–Dec 31)."""
ADMIN = bearer(["district_admin"], DISTRICT)
VILLAGE = "320115101001"
PAID_AT = datetime(2026, 11, 3, 9, tzinfo=UTC)


def resident_id(n: int, born: date = date(1980, 1, 1)) -> str:
    """A valid resident ID number, different for every n, of an adult with no subsidy."""
    birth = born + timedelta(days=n // 1000)
    first17 = f"320115{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def notice(n: int, *, unit: str = VILLAGE, prefix: str = "R", **changes: Any) -> dict[str, Any]:
    """Payment notice n: the standard 320 yuan, paid and deposited in the window."""
    paid = PAID_AT + timedelta(minutes=n % 10_000)
    return {
        "transaction_id": f"{prefix}{n:05d}",
        "resident_id": resident_id(n),
        "unit_code": unit,
        "scheme_code": SCHEME,
        "year": YEAR,
        "amount": "320.00",
        "paid_at": paid.isoformat(),
        "deposited_at": (paid + timedelta(hours=2)).isoformat(),
    } | changes


async def prepare_region(client: httpx.AsyncClient) -> None:
    """Register the demo units and offer resident medical (variant A) for 2027."""
    for code, name in {DISTRICT: "江宁区", **TOWNS, **VILLAGES}.items():
        response = await client.put(f"/v1/units/{code}", json={"name": name}, headers=ADMIN)
        assert response.status_code == 200, response.text
    body = {"template": TEMPLATE, "collection_year": COLLECTION_YEAR}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text


async def enroll(client: httpx.AsyncClient, n: int, unit: str = VILLAGE) -> dict[str, Any]:
    """Register person n in `unit` and enroll them; return the enrollment."""
    person = await client.post(
        "/v1/persons",
        json={"resident_id": resident_id(n), "name": f"居民{n}", "unit_code": unit},
        headers=ADMIN,
    )
    assert person.status_code == 201, person.text
    body = {"person_id": person.json()["id"], "scheme_code": SCHEME, "year": YEAR}
    enrollment = await client.post("/v1/enrollments", json=body, headers=ADMIN)
    assert enrollment.status_code == 201, enrollment.text
    result: dict[str, Any] = enrollment.json()
    return result


async def enroll_many(
    client: httpx.AsyncClient, people: list[tuple[int, str]], concurrency: int = 8
) -> None:
    """Enroll (n, unit) pairs with bounded concurrency."""
    pending = iter(people)

    async def worker() -> None:
        for n, unit in pending:
            await enroll(client, n, unit)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


def roster(people: list[tuple[int, str]], **columns: str) -> bytes:
    """A roster CSV of persons n in their units (adults, no subsidy category)."""
    extra = list(columns)
    lines = [",".join(["resident_id", "name", "unit_code", *extra])]
    for n, unit in people:
        lines.append(",".join([resident_id(n), f"居民{n}", unit, *columns.values()]))
    return ("\n".join(lines) + "\n").encode()


async def enroll_roster(
    client: httpx.AsyncClient, people: list[tuple[int, str]], chunk: int = 5_000
) -> None:
    """Enroll (n, unit) pairs through the roster upload, `chunk` lines per request."""
    for start in range(0, len(people), chunk):
        response = await client.post(
            f"/v1/rosters/{SCHEME}/{YEAR}",
            content=roster(people[start : start + chunk]),
            headers=ADMIN | {"Content-Type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["rejected"] == 0, response.text
