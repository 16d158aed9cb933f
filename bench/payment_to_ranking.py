"""From a payment accepted by enrollment to the changed ranking served by scoring.

    .venv/bin/python -m bench.payment_to_ranking [--rate 100] [--seconds 20] [--payers 5000]

Enrollment, scoring and the broker run as processes. Payments are posted at a steady
rate (open loop) to the webhook; a watcher reads scoring's ranking page every 20 ms. A
payment's latency is from the moment enrollment answered 201 to the first ranking read
whose count for its village includes it (so the figures are at most 20 ms pessimistic):
through the outbox, the relay, the broker, scoring's consumer and its live metrics.
Results go to docs/benchmarks.md under "End to end: payment to ranking at <rate>/s".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import defaultdict
from decimal import Decimal

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bench import harness
from bench.enrollment_webhook import PATH, signed_lines
from services.scoring.demo import campaign
from tests.conftest import PARTNER, PARTNER_SECRET
from tests.support import enrollment as region
from tests.support.stack import Stack

RANKING = "/v1/campaigns/demo-resident-medical/pools/villages/ranking"
POLL_SECONDS = 0.02
WARM_UP_PAYERS = 12  # two per village


async def seed(stack: Stack, payers: int) -> None:
    """The region, `payers` enrolled by roster, and a campaign ranking the villages."""
    villages = list(region.VILLAGES)
    async with httpx.AsyncClient(base_url=stack.enrollment.url, timeout=120) as client:
        await region.prepare_region(client)
        await region.enroll_roster(
            client, [(n, villages[n % len(villages)]) for n in range(payers)]
        )
    body = campaign(region.YEAR)
    async with httpx.AsyncClient(base_url=stack.scoring.url, timeout=60) as client:
        response = await client.post("/v1/campaigns", json=body, headers=region.ADMIN)
        assert response.status_code == 201, response.text


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
            response = await client.get(RANKING, headers=region.ADMIN, params={"limit": 100})
            counts = {u["unit_code"]: Decimal(u["value"]) for u in response.json()["units"]}
            if sum(counts.values()) >= WARM_UP_PAYERS:
                return counts
            assert time.monotonic() < deadline, f"warm-up payments not ranked: {counts}"
            await asyncio.sleep(0.2)


async def post_all(url: str, lines: list[tuple[bytes, dict[str, str]]], rate: int) -> list[float]:
    """Post at a fixed rate; when each was accepted (NaN when it was not)."""
    accepted = [float("nan")] * len(lines)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        start = time.monotonic() + 0.5

        async def one(i: int, raw: bytes, headers: dict[str, str]) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            response = await client.post(PATH, content=raw, headers=headers)
            if response.status_code == 201:
                accepted[i] = time.monotonic()

        await asyncio.gather(*(one(i, raw, h) for i, (raw, h) in enumerate(lines)))
    return accepted


async def watch(url: str, stop: asyncio.Event) -> list[tuple[float, dict[str, Decimal]]]:
    """Every ranking read: when, and each village's counted value."""
    reads = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while not stop.is_set():
            response = await client.get(RANKING, headers=region.ADMIN, params={"limit": 100})
            seen = time.monotonic()
            if response.status_code == 200:
                units = response.json()["units"]
                reads.append((seen, {u["unit_code"]: Decimal(u["value"]) for u in units}))
            await asyncio.sleep(POLL_SECONDS)
    return reads


def latencies(
    villages: list[str],
    accepted: list[float],
    reads: list[tuple[float, dict[str, Decimal]]],
    before: dict[str, Decimal],
) -> list[float]:
    """For the k-th accepted payment of a village: first read counting k more than `before`,
    minus acceptance."""
    per_village: defaultdict[str, list[float]] = defaultdict(list)
    for i, at in enumerate(accepted):
        if at == at:  # accepted (not NaN)
            per_village[villages[i % len(villages)]].append(at)
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


async def stages(stack: Stack) -> dict[str, list[float]]:
    """Per payment event, seconds from enrollment's commit to the relay's publication, and
    from publication to scoring's consumer taking it (its batch's transaction start)."""
    published: dict[str, tuple[float, float]] = {}
    engine = create_async_engine(stack.database_urls["enrollment"])
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT event_id, extract(epoch FROM created_at), "
                    "extract(epoch FROM published_at) FROM outbox "
                    "WHERE type LIKE 'gridgov.enrollment.payment.recorded%' "
                    "AND envelope->'data'->>'partner_txn_id' NOT LIKE 'WARM%'"
                )
            )
            published = {str(r[0]): (float(r[1]), float(r[2] or "nan")) for r in rows}
    finally:
        await engine.dispose()
    engine = create_async_engine(stack.database_urls["scoring"])
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text("SELECT event_id, extract(epoch FROM processed_at) FROM inbox")
            )
            consumed = {str(r[0]): float(r[1]) for r in rows}
    finally:
        await engine.dispose()
    relay = [p - c for c, p in published.values() if p == p]
    broker = [consumed[e] - p for e, (_, p) in published.items() if e in consumed and p == p]
    return {"relay": relay, "broker": broker}


async def main(args: argparse.Namespace) -> None:
    machine = await harness.machine()
    villages = list(region.VILLAGES)
    async with harness.running(["enrollment", "scoring"]) as stack:
        await seed(stack, args.payers)
        before = await warm_up(stack, args.payers)
        count = min(args.rate * args.seconds, args.payers - WARM_UP_PAYERS)
        lines = signed_lines(count, args.payers, "e2e")
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(stack.scoring.url, stop))
        accepted = await post_all(stack.enrollment.url, lines, args.rate)
        await asyncio.sleep(args.drain)
        stop.set()
        reads = await watcher
        split = await stages(stack)
    found = latencies(villages, accepted, reads, before)
    took = [x for x in accepted if x == x]
    print(f"{len(took)} accepted, {len(found)} seen in the ranking")
    rows = [
        (f"payments posted at {args.rate}/s, accepted", f"{len(took):,} of {count:,}", "all"),
        ("of those, seen in the ranking", f"{len(found):,}", "all"),
        ("latency p50", f"{harness.percentile(found, 50) * 1000:.0f} ms", "—"),
        ("latency p99", f"{harness.percentile(found, 99) * 1000:.0f} ms", "≤ 1,000 ms"),
        ("latency max", f"{max(found, default=float('nan')) * 1000:.0f} ms", "—"),
        *(
            (
                f"of which {label}, p50 / p99",
                f"{harness.percentile(split[key], 50) * 1000:.0f} ms / "
                f"{harness.percentile(split[key], 99) * 1000:.0f} ms",
                "—",
            )
            for key, label in (
                ("relay", "commit → published by the relay"),
                ("broker", "published → taken by scoring's consumer"),
            )
        ),
    ]
    command = (
        f".venv/bin/python -m bench.payment_to_ranking --rate {args.rate} "
        f"--seconds {args.seconds} --payers {args.payers}"
    )
    harness.record(
        f"End to end: payment to ranking at {args.rate}/s",
        f"Measured {harness.stamp()} on {machine}.\n\nCommand: `{command}`\n\n"
        f"{harness.table(rows)}\n\nFrom enrollment's 201 to the first ranking read (every "
        f"{POLL_SECONDS * 1000:.0f} ms) that counts the payment: outbox, relay, broker, "
        "scoring's consumer, live metrics and re-ranking, all on this one machine.\n",
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--payers", type=int, default=5_000)
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait at the end")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
