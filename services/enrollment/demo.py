"""Enrollment's part of the demo: the region, resident medical for next year, its villagers,
their tasks, and bank payments (more in the first villages, so the ranking has a spread).

Everything goes through the public API, as the district office and the demo bank would.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from libs.common import auth
from libs.common.identifiers import parent_unit, resident_id_check_char
from services.demo import (
    DISTRICT,
    PERSONS_PER_VILLAGE,
    SCHEME,
    SCHEME_POLICY,
    TOWNS,
    VILLAGES,
    demo_year,
)


def demo_resident_id(village_index: int, person: int) -> str:
    """A well-formed (check digit and all) fictitious resident ID number of an adult."""
    born = date(1970, 1, 1) + timedelta(days=village_index * 400 + person * 17)
    first17 = f"320115{born:%Y%m%d}{village_index:01d}{person % 100:02d}"
    return first17 + resident_id_check_char(first17)


def demo_payments(year: int) -> list[dict[str, str | int]]:
    """Payments for 12, 11, … of the 20 villagers of each village, inside the window."""
    paid = datetime(year - 1, 11, 3, 9, 30, tzinfo=UTC)
    notices: list[dict[str, str | int]] = []
    for index, village in enumerate(VILLAGES):
        for n in range(12 - index):
            at = paid + timedelta(hours=n * 7 + index)
            notices.append(
                {
                    "transaction_id": f"DEMO-{village}-{n:04d}",
                    "resident_id": demo_resident_id(index, n),
                    "unit_code": village,
                    "scheme_code": SCHEME,
                    "year": year,
                    "amount": "320.00",
                    "paid_at": at.isoformat(),
                    "deposited_at": (at + timedelta(days=1)).isoformat(),
                }
            )
    return notices


def signed_headers(partner: str, secret: str, body: bytes, key: str) -> dict[str, str]:
    """Headers of a partner request signed the way partners must sign them."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": "application/json",
        "X-Partner-Id": partner,
        "X-Gridgov-Timestamp": timestamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, timestamp, body),
        "Idempotency-Key": key,
    }


def load(env: dict[str, str]) -> None:
    """Set up the region and post the demo payments as the demo bank."""
    admin = _bearer(env, "district_admin", DISTRICT)
    year = demo_year()
    with httpx.Client(base_url=env["GRIDGOV_ENROLLMENT_URL"], timeout=30) as client:
        _region(client, admin, year)
        _tasks(client, env, year)
        _villagers(client, admin, year)
        _payments(client, env, year)
    print(
        f"demo: {len(VILLAGES) * PERSONS_PER_VILLAGE} villagers enrolled, "
        f"{len(demo_payments(year))} payments posted to enrollment",
        flush=True,
    )


def _region(client: httpx.Client, admin: dict[str, str], year: int) -> None:
    for code, name in {DISTRICT: "江宁区", **TOWNS, **VILLAGES}.items():
        _ok(client.put(f"/v1/units/{code}", json={"name": name}, headers=admin))
    scheme = {"template": SCHEME_POLICY, "collection_year": year - 1}
    _ok(
        client.put(
            f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{year}", json=scheme, headers=admin
        )
    )


def _tasks(client: httpx.Client, env: dict[str, str], year: int) -> None:
    """Each level sets the tasks of the level below: the district its towns', each town
    its villages'."""
    for town in TOWNS:
        villages = [v for v in VILLAGES if parent_unit(v) == town]
        tasks = {town: (_bearer(env, "district_admin", DISTRICT), len(villages))}
        tasks |= {v: (_bearer(env, "town_officer", town), 1) for v in villages}
        for unit, (headers, villages_covered) in tasks.items():
            task = {"task": PERSONS_PER_VILLAGE * villages_covered}
            _ok(client.put(f"/v1/targets/{SCHEME}/{year}/{unit}", json=task, headers=headers))


def _bearer(env: dict[str, str], role: str, unit: str) -> dict[str, str]:
    token = auth.mint_token(
        env["GRIDGOV_JWT_SECRET"], subject="demo", roles=[role], jurisdiction=unit
    )
    return {"Authorization": f"Bearer {token}"}


def _villagers(client: httpx.Client, admin: dict[str, str], year: int) -> None:
    for index, village in enumerate(VILLAGES):
        for n in range(PERSONS_PER_VILLAGE):
            person: dict[str, Any] = {
                "resident_id": demo_resident_id(index, n),
                "name": f"{VILLAGES[village][:2]}居民{n + 1}",
                "unit_code": village,
            }
            created = _ok(client.post("/v1/persons", json=person, headers=admin))
            body = {"person_id": created["id"], "scheme_code": SCHEME, "year": year}
            _ok(client.post("/v1/enrollments", json=body, headers=admin))


def _payments(client: httpx.Client, env: dict[str, str], year: int) -> None:
    partner, secret = next(iter(json.loads(env["GRIDGOV_PARTNER_SECRETS"]).items()))
    for notice in demo_payments(year):
        body = json.dumps(notice).encode()
        headers = signed_headers(partner, secret, body, str(notice["transaction_id"]))
        _ok(client.post("/v1/partner/payments", content=body, headers=headers))


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise SystemExit(f"demo: {response.request.url} answered {response.text}")
    return response.json()
