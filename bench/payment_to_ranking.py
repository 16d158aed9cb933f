"""From a payment accepted by enrollment to the changed ranking served by scoring.

    .venv/bin/python -m bench.payment_to_ranking [--rate 100] [--seconds 20] [--payers 6000]
        [--units 5000] [--entities 200000] [--enrollment-workers 1]

Enrollment, scoring and the broker run as processes. `wrk` (Debian package `wrk`) posts
signed payments to the webhook, each connection pacing itself so that together they
aim at `--rate`; the rate reached is reported. A watcher reads scoring's ranking page every
20 ms. A payment's latency runs from the start of the enrollment transaction that recorded
it (its outbox row's time) to the first ranking read whose count for its village includes it (so
the figures are at most 20 ms pessimistic): through the outbox, the relay, the broker,
scoring's consumer and its live metrics. The load generator is in C so that the Python
client does not take the CPU the services need on a small machine. Results go to
docs/benchmarks.md under "End to end: payment to ranking at <rate>/s".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench import harness, scoring_credit
from bench.enrollment_webhook import CALIBRATION_SECONDS, PATH, paced, signed_lines
from services.scoring.demo import campaign
from tests.conftest import PARTNER, PARTNER_SECRET
from tests.support import enrollment as region
from tests.support.stack import Stack

RANKING = "/v1/campaigns/demo-resident-medical/pools/villages/ranking"
POLL_SECONDS = 0.02
WARM_UP_PAYERS = 12  # two per village
PAGE = 10  # the region's six villages, the only ones paid for, rank first


def with_other_villages(body: dict[str, Any], units: int) -> dict[str, Any]:
    """The demo campaign grown to `units` villages: the region's six, and villages of other
    towns with no payers, so re-ranking a pool costs what it does in a large district."""
    real = body["units"]
    others = [
        {
            "unit_code": f"320115{201 + i // 100:03d}{1 + i % 100:03d}",
            "name": f"村{i}",
            "category": "village",
            "task": real[0]["task"],
        }
        for i in range(max(units - len(real), 0))
    ]
    return body | {"units": real + others}


async def seed(stack: Stack, payers: int, units: int) -> None:
    """The region, `payers` enrolled by roster, and a campaign ranking `units` villages."""
    villages = list(region.VILLAGES)
    async with httpx.AsyncClient(base_url=stack.enrollment.url, timeout=120) as client:
        await region.prepare_region(client)
        await region.enroll_roster(
            client, [(n, villages[n % len(villages)]) for n in range(payers)]
        )
    body = with_other_villages(campaign(region.YEAR), units)
    async with httpx.AsyncClient(base_url=stack.scoring.url, timeout=60) as client:
        response = await client.post("/v1/campaigns", json=body, headers=region.ADMIN)
        assert response.status_code == 201, response.text


async def load_entities(stack: Stack, entities: int) -> None:
    """`entities` credit entities with their basic information and items, straight into
    scoring's database (payments do not touch them; they make its tables the size of a
    district's)."""
    url = make_url(stack.database_urls["scoring"]).set(drivername="postgresql")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await scoring_credit.load(conn, entities)
    finally:
        await conn.close()


async def warm_up(stack: Stack, payers: int) -> dict[str, Decimal]:
    """Pay for the last few payers and wait until the ranking counts them, so the consumer
    group has joined and every topic exists before the clock starts; the counts then."""
    from services.enrollment.demo import signed_headers

    async with httpx.AsyncClient(base_url=stack.enrollment.url, timeout=30) as client:
        for n in range(payers - WARM_UP_PAYERS, payers):
            raw = json.dumps(region.notice(n, prefix="WARM")).encode()
            headers = signed_headers(PARTNER, PARTNER_SECRET, raw, f"warm-{n}")
            response = await client.post(PATH, content=raw, headers=headers)
            assert response.status_code == 201, response.text
    async with httpx.AsyncClient(base_url=stack.scoring.url, timeout=10) as client:
        deadline = time.monotonic() + 120
        while True:
            response = await client.get(RANKING, headers=region.ADMIN, params={"limit": PAGE})
            counts = {u["unit_code"]: Decimal(u["value"]) for u in response.json()["units"]}
            if sum(counts.values()) >= WARM_UP_PAYERS:
                return counts
            assert time.monotonic() < deadline, f"warm-up payments not ranked: {counts}"
            await asyncio.sleep(0.2)


async def post_paced(url: str, payers: int, rate: int, seconds: int) -> dict[str, Any]:
    """wrk posting distinct payments (none of the warm-up payers), aiming at `rate`."""
    count = min(int(rate * (seconds + CALIBRATION_SECONDS) * 1.5), payers - WARM_UP_PAYERS)
    lines = signed_lines(count, payers - WARM_UP_PAYERS, "e2e")
    return await asyncio.to_thread(paced, url, lines, rate, seconds)


async def watch(url: str, stop: asyncio.Event) -> list[tuple[float, dict[str, Decimal]]]:
    """Every ranking read: when (wall clock, as the database's), each village's value."""
    reads = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while not stop.is_set():
            response = await client.get(RANKING, headers=region.ADMIN, params={"limit": PAGE})
            seen = time.time()
            if response.status_code == 200:
                units = response.json()["units"]
                reads.append((seen, {u["unit_code"]: Decimal(u["value"]) for u in units}))
            await asyncio.sleep(POLL_SECONDS)
    return reads


async def recorded(stack: Stack) -> list[dict[str, Any]]:
    """Each payment of the run as enrollment recorded it: when, its village, and when the
    relay published its event."""
    return await stack.query(
        "enrollment",
        "SELECT event_id::text AS event_id, extract(epoch FROM created_at)::float8 AS created, "
        "extract(epoch FROM published_at)::float8 AS published, "
        "envelope->'data'->>'unit_code' AS unit_code FROM outbox "
        "WHERE type LIKE 'gridgov.enrollment.payment.recorded%' "
        "AND envelope->'data'->>'partner_txn_id' NOT LIKE 'WARM%'",
    )


async def taken(stack: Stack) -> dict[str, float]:
    """When scoring's consumer took each event (its batch's transaction start)."""
    rows = await stack.query(
        "scoring",
        "SELECT event_id::text AS event_id, extract(epoch FROM processed_at)::float8 AS at "
        "FROM inbox",
    )
    return {r["event_id"]: r["at"] for r in rows}


def latencies(
    payments: list[dict[str, Any]],
    reads: list[tuple[float, dict[str, Decimal]]],
    before: dict[str, Decimal],
) -> list[float]:
    """For the k-th payment recorded in a village: the first read counting k more than
    `before`, minus when it was recorded."""
    per_village: defaultdict[str, list[float]] = defaultdict(list)
    for p in payments:
        per_village[p["unit_code"]].append(p["created"])
    found = []
    for village, times in per_village.items():
        base = before.get(village, Decimal(0))
        reads_iter = iter(reads)
        current = next(reads_iter, None)
        for k, at in enumerate(sorted(times), start=1):
            while current is not None and current[1].get(village, Decimal(0)) < base + k:
                current = next(reads_iter, None)
            if current is None:
                break
            found.append(max(current[0] - at, 0.0))
    return found


def ms(values: list[float], pct: float) -> str:
    return f"{harness.percentile(values, pct) * 1000:.0f} ms"


async def main(args: argparse.Namespace) -> None:
    if not harness.wrk_available():
        raise SystemExit("install wrk first (apt-get install wrk)")
    machine = await harness.machine()
    workers = {"enrollment": args.enrollment_workers}
    async with harness.running(["enrollment", "scoring"], workers_of=workers) as stack:
        await seed(stack, args.payers, args.units)
        await load_entities(stack, args.entities)
        before = await warm_up(stack, args.payers)
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stack.scoring.url, stop))
        load = await post_paced(stack.enrollment.url, args.payers, args.rate, args.seconds)
        await asyncio.sleep(args.drain)
        stop.set()
        reads = await watcher
        payments, consumed = await recorded(stack), await taken(stack)
    found = latencies(payments, reads, before)
    relay = [p["published"] - p["created"] for p in payments if p["published"]]
    broker = [
        consumed[p["event_id"]] - p["published"] for p in payments if p["event_id"] in consumed
    ]
    reached = load["rps"]
    print(f"{len(payments)} recorded ({reached:.0f}/s), {len(found)} seen in the ranking")
    rows = [
        ("payments recorded per second (aimed at)", f"{reached:.0f} ({args.rate})", f"{args.rate}"),
        (
            "payments recorded, of them seen in the ranking",
            f"{len(payments):,} / {len(found):,}",
            "all",
        ),
        ("latency p50", ms(found, 50), "—"),
        ("latency p99", ms(found, 99), "≤ 1,000 ms"),
        ("latency max", f"{max(found, default=float('nan')) * 1000:.0f} ms", "—"),
        (
            "of which recording transaction begun → published by the relay, p50 / p99",
            f"{ms(relay, 50)} / {ms(relay, 99)}",
            "—",
        ),
        (
            "of which published → taken by scoring's consumer, p50 / p99",
            f"{ms(broker, 50)} / {ms(broker, 99)}",
            "—",
        ),
        ("webhook p50 / p99 as wrk saw it", f"{load['p50']:.0f} ms / {load['p99']:.0f} ms", "—"),
        ("responses by status", str(load["statuses"]), "201 only"),
    ]
    command = (
        f".venv/bin/python -m bench.payment_to_ranking --rate {args.rate} "
        f"--seconds {args.seconds} --payers {args.payers} --units {args.units} "
        f"--entities {args.entities} "
        f"--enrollment-workers {args.enrollment_workers}"
    )
    harness.record(
        f"End to end: payment to ranking at {args.rate}/s",
        f"Measured {harness.stamp()} on {machine}.\n\nCommand: `{command}`\n\n"
        f"{harness.table(rows)}\n\nFrom the start of the enrollment transaction that recorded "
        "a payment (its outbox row's time; under load most of the first stage is that "
        "transaction itself, as the webhook's own answer time shows) to "
        f"the first ranking read (every {POLL_SECONDS * 1000:.0f} ms) that counts it: outbox, "
        "relay, broker, scoring's consumer, live metrics and re-ranking, all on this one "
        "machine with the load generator and PostgreSQL. The ranked pool holds "
        f"{args.units:,} villages (the region's six are paid for), so every payment re-ranks "
        f"a pool of that size; scoring's database also holds {args.entities:,} credit "
        "entities with their items.\n",
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--payers", type=int, default=6_000)
    parser.add_argument("--units", type=int, default=5_000, help="villages in the ranked pool")
    parser.add_argument("--entities", type=int, default=200_000, help="in scoring's database")
    parser.add_argument("--enrollment-workers", type=int, default=1, help="its processes")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait at the end")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
