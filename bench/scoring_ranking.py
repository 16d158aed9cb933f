"""Ranking page latency with 5,000 ranked units, and the live event path that ranks them.

Run: `.venv/bin/python -m bench.scoring_ranking [--units 5000] [--requests 2000]`

Creates a campaign over N units in two pools through the API, feeds one progress reading per
unit through the idempotent applier in consumer-sized batches (and reports that rate), takes a
snapshot (so pages join the movement), then times GET …/ranking pages at random offsets over
the in-process ASGI app with httpx. Baselines in the same run: a `SELECT 1` round trip and
`GET /healthz` through the same client.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from bench import scoring_harness as harness
from libs.common import auth
from libs.common.app import create_service_app
from libs.common.applier import EventApplier
from libs.common.db import UnitOfWork
from libs.common.deps import get_now
from libs.common.event_handlers import Delivery, EventHandlers
from libs.common.events.catalogue.enrollment import ProgressChanged
from libs.common.events.envelope import Envelope
from libs.common.service import Runtime

DISTRICT = "320115000000"
SCHEME = "resident-medical"
YEAR = 2027
BATCH = 500
TARGET_MS = 20.0


def unit_codes(n: int) -> list[str]:
    """N village codes under the district: 100 villages in each of N/100 towns."""
    return [f"320115{101 + i // 100:03d}{1 + i % 100:03d}" for i in range(n)]


def campaign(codes: list[str]) -> dict[str, object]:
    """The bundled resident-medical campaign; a fifth of the units are branch farms."""
    farms = len(codes) // 5
    units = [
        {
            "unit_code": code,
            "name": f"单位{i}",
            "category": "branch_farm" if i < farms else "village",
            "task": 100,
        }
        for i, code in enumerate(codes)
    ]
    return {
        "code": "bench-2027",
        "name": "bench",
        "scope_unit": DISTRICT,
        "year": YEAR,
        "scheme": SCHEME,
        "policy_file": "campaign_resident_medical.v1",
        "units": units,
    }


async def after_the_year() -> datetime:
    """The clock of the bench's requests: the campaign year is over."""
    return datetime(YEAR + 1, 1, 4, tzinfo=UTC)


def reading(unit: str, done: int, when: datetime) -> Delivery:
    """A progress.changed delivery as the consumer receives it."""
    event = ProgressChanged(
        unit_code=unit,
        scheme=SCHEME,
        year=YEAR,
        completed_persons=done,
        enrolled_persons=100,
        task_kind="persons",
        task=Decimal(100),
        deposited_amount=Decimal(done * 600),
        as_of=when,
    )
    envelope = Envelope.wrap(event)
    return Delivery("gridgov.enrollment", envelope.model_dump_json().encode(), b"k")


async def main(units: int, requests: int) -> None:
    async with harness.scratch_runtime() as runtime:
        app = create_service_app(runtime.spec, runtime.settings, runtime)
        app.dependency_overrides[get_now] = after_the_year  # its weeks have all ended
        token = auth.mint_token(
            harness.JWT_SECRET, subject="bench", roles=["district_admin"], jurisdiction=DISTRICT
        )
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://scoring") as client:
            codes = unit_codes(units)
            started = time.perf_counter()
            created = await client.post("/v1/campaigns", json=campaign(codes), headers=headers)
            assert created.status_code == 201, created.text
            create_s = time.perf_counter() - started
            rate = await feed(runtime, codes)
            floor = await consumer_floor(runtime, codes)
            snap = await client.post(
                "/v1/campaigns/bench-2027/snapshots",
                json={"cadence": "weekly_friday", "on": "2027-03-26"},
                headers=headers,
            )
            assert snap.status_code == 201, snap.text
            page_p50, page_p99 = await pages(
                client, headers, len(codes) - len(codes) // 5, requests
            )
            health_p99 = await healthz_p99(client, requests)
            select_p99 = await harness.select_one_p99(runtime)
            lines = [
                *await harness.machine(runtime),
                f"- Command: `.venv/bin/python -m bench.scoring_ranking --units {units} "
                f"--requests {requests}`",
                "",
                "| figure | value | target |",
                "|---|---|---|",
                f"| ranking page p99 (100 rows, {units} units in 2 pools, {requests} requests) "
                f"| {page_p99:.1f} ms | ≤ {TARGET_MS:.0f} ms |",
                f"| ranking page p50 | {page_p50:.1f} ms | |",
                f"| baseline: `GET /healthz` p99, same client | {health_p99:.1f} ms | |",
                f"| baseline: `SELECT 1` round trip p99 | {select_p99:.2f} ms | |",
                f"| ratio page p99 / healthz p99 | {page_p99 / health_p99:.1f}× | |",
                f"| live path: {units} progress events applied in batches of {BATCH} "
                f"| {rate:,.0f} events/s | ≥ 500 events/s |",
                f"| baseline: the same consumer with a handler that does nothing "
                f"| {floor:,.0f} events/s | |",
                f"| campaign of {units} units created (POST) | {create_s:.2f} s | |",
                "",
                "What dominates the page: two round trips per request (the pool's pre-ping and "
                "one statement that reads the page with the campaign row's version, on a "
                "connection in autocommit mode, so no BEGIN or ROLLBACK; the campaign's "
                "definition is kept in process while that version holds), each near the "
                "`SELECT 1` figure on this shared VM; PostgreSQL planning and running the page "
                "query (~0.3 + ~0.5 ms on an idle machine: the page seeks by rank in the index, "
                "so offset 4,000 costs what offset 0 does); the rest is FastAPI, SQLAlchemy and "
                "pydantic (rows to models, the 40 kB of JSON). The live path: scoring "
                "derives each event in memory and writes a whole batch at commit in a fixed "
                "number of statements (log, tallies, units read once, changed rows written "
                "once, ranks of moved pools); the consumer claims a batch's inbox rows in one "
                "statement and runs the handlers back to back (a failing event sends its "
                "batch event by event), so the do-nothing baseline is the platform's ceiling.",
            ]
            harness.write_section("Ranking page", lines)
            print("\n".join(lines))


async def feed(runtime: Runtime, codes: list[str]) -> float:
    """Apply one reading per unit in consumer-sized batches; return events per second."""
    rng = random.Random(7)
    base = datetime(YEAR, 3, 1, 4, tzinfo=UTC)
    deliveries = [
        reading(code, rng.randint(40, 100), base + timedelta(seconds=i))
        for i, code in enumerate(codes)
    ]
    rng.shuffle(deliveries)
    applier = runtime.applier()
    started = time.perf_counter()
    for at in range(0, len(deliveries), BATCH):
        outcomes = await applier.apply(deliveries[at : at + BATCH])
        assert set(outcomes) == {"applied"}, set(outcomes)
    return len(deliveries) / (time.perf_counter() - started)


async def consumer_floor(runtime: Runtime, codes: list[str]) -> float:
    """Baseline: events per second of the same applier with a handler that does nothing."""

    async def nothing(uow: UnitOfWork, event: object, envelope: object) -> None:
        await uow.commit()

    base = datetime(YEAR + 1, 3, 1, 4, tzinfo=UTC)  # a year no campaign ranks
    deliveries = [reading(code, 1, base + timedelta(seconds=i)) for i, code in enumerate(codes)]
    applier = EventApplier("scoring", runtime.sessions, EventHandlers({ProgressChanged: nothing}))
    started = time.perf_counter()
    for at in range(0, len(deliveries), BATCH):
        await applier.apply(deliveries[at : at + BATCH])
    return len(deliveries) / (time.perf_counter() - started)


async def pages(
    client: httpx.AsyncClient, headers: dict[str, str], villages: int, requests: int
) -> tuple[float, float]:
    """p50 and p99 of a page of 100 at a random offset, in ms (after a warm-up)."""
    rng = random.Random(11)
    times = []
    for n in range(requests + 50):
        offset = rng.randrange(0, max(villages - 100, 1))
        url = f"/v1/campaigns/bench-2027/pools/villages/ranking?offset={offset}&limit=100"
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.text
        if n >= 50:
            times.append(elapsed)
    return harness.percentile(times, 50), harness.percentile(times, 99)


async def healthz_p99(client: httpx.AsyncClient, requests: int) -> float:
    """Baseline: p99 of `GET /healthz` through the same client, in ms."""
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        await client.get("/healthz")
        times.append((time.perf_counter() - started) * 1000)
    return harness.percentile(times, 99)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.units, args.requests))
