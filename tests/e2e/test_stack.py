"""The product owner's acceptance check, on real processes:

With the stack up, 1,000 payments posted to enrollment all appear in scoring's count,
exactly once, even when the scoring process is killed with SIGKILL in the middle and
started again, and even when the broker is restarted in the middle.
"""

from __future__ import annotations

import asyncio
import collections
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import bearer, signed
from tests.e2e.conftest import Stack
from tests.support import enrollment as support

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

UNITS = ("320115101001", "320115101002", "320115102001")
DISTRICT = "320115000000"
PAYMENTS = 1000
CONCURRENCY = 20
TRANSPORT_ATTEMPTS = 3
BROKER_DOWN_SECONDS = 3.0
# The stack re-syncs every second, rows older than 2 s (GRIDGOV_RESYNC_*_SECONDS).
SETTLE_SECONDS = 5.0
CONVERGE_SECONDS = 180.0
"""How long the stack may take to catch up: generous, since CI runs the suite on 2 cores
beside these processes; correctness is asserted on the counts, never on the time."""
"""How long a count must stay right: several re-sync rounds past the grace period."""


def notice(n: int, run: str) -> dict[str, Any]:
    """Payment notice n of a run (transaction ids are unique to the run)."""
    return support.notice(n, unit=UNITS[n % len(UNITS)], prefix=f"E2E-{run}-")


async def enroll_payers(stack: Stack, count: int) -> None:
    """The region, the scheme-year and `count` enrolled payers, as the village would."""
    async with httpx.AsyncClient(base_url=stack.enrollment.url, timeout=30) as client:
        await support.prepare_region(client)
        await support.enroll_roster(client, [(n, UNITS[n % len(UNITS)]) for n in range(count)])


async def post_notice(
    client: httpx.AsyncClient, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    raw, headers = signed(body, key=key)
    return await client.post("/v1/partner/payments", content=raw, headers=headers)


async def deliver_notice(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    """Post a notice as a partner does: a broken connection is answered by sending it again
    under the same Idempotency-Key (a pooled keep-alive connection the server has just closed
    fails this way), so the payment is still recorded once."""
    key = uuid.uuid4().hex
    for attempt in range(1, TRANSPORT_ATTEMPTS + 1):
        try:
            return await post_notice(client, body, key=key)
        except httpx.TransportError:
            if attempt == TRANSPORT_ATTEMPTS:
                raise
            await asyncio.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


class Poster:
    """Posts notices to enrollment with bounded concurrency; others watch its progress."""

    def __init__(self, base_url: str, notices: list[dict[str, Any]], concurrency: int) -> None:
        self.base_url = base_url
        self.notices = notices
        self.concurrency = concurrency
        self.recorded = 0
        self.failures: list[str] = []
        self.started = time.monotonic()
        self.finished: float | None = None
        self._going = asyncio.Event()
        self._going.set()

    def pause(self) -> None:
        """Post nothing new (posts in flight complete) until `resume()`."""
        self._going.clear()

    def resume(self) -> None:
        self._going.set()

    @property
    def done(self) -> int:
        return self.recorded + len(self.failures)

    async def run(self) -> None:
        pending = iter(self.notices)
        # Let idle connections go before the server's 5 s keep-alive timeout closes them.
        limits = httpx.Limits(max_connections=self.concurrency, keepalive_expiry=4.0)
        async with httpx.AsyncClient(base_url=self.base_url, timeout=30, limits=limits) as client:

            async def worker() -> None:
                for body in pending:  # one shared iterator: each notice is posted once
                    await self._going.wait()
                    try:
                        response = await deliver_notice(client, body)
                    except httpx.HTTPError as exc:
                        self.failures.append(f"{body['transaction_id']}: {exc!r}")
                        continue
                    if response.status_code == 201:
                        self.recorded += 1
                    else:
                        self.failures.append(
                            f"{body['transaction_id']}: {response.status_code} {response.text}"
                        )

            await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        self.finished = time.monotonic()

    async def reached(self, count: int, timeout: float = CONVERGE_SECONDS) -> None:
        """Wait until `count` notices have been answered."""
        deadline = time.monotonic() + timeout
        while self.done < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {self.done} of {count} posts answered in {timeout}s")
            await asyncio.sleep(0.01)


async def scoring_counts(stack: Stack) -> dict[str, int] | None:
    """Payments counted by scoring per unit; None while scoring does not answer."""
    headers = bearer(["district_admin"], DISTRICT)
    counts: dict[str, int] = {}
    try:
        async with httpx.AsyncClient(base_url=stack.scoring.url, timeout=5) as client:
            for unit in UNITS:
                response = await client.get(f"/v1/units/{unit}/payments", headers=headers)
                if response.status_code != 200:
                    return None
                counts[unit] = int(response.json()["payments"])
    except httpx.HTTPError:
        return None
    return counts


async def wait_for_total(
    stack: Stack, expected: int, timeout: float = CONVERGE_SECONDS
) -> dict[str, int]:
    """Wait until scoring counts exactly `expected`; fail at once if it counts more."""
    deadline = time.monotonic() + timeout
    last: dict[str, int] | None = None
    while True:
        counts = await scoring_counts(stack)
        if counts is not None:
            last = counts
            total = sum(counts.values())
            if total > expected:
                raise AssertionError(
                    f"scoring counts {total} > {expected} payments (double counting): "
                    f"{counts}; {await stack.database_facts()}"
                )
            if total == expected:
                return counts
        if time.monotonic() > deadline:
            raise AssertionError(
                f"scoring did not reach {expected} payments within {timeout:.0f}s "
                f"(last counts: {last}); {await stack.database_facts()}"
            )
        await asyncio.sleep(0.25)


async def assert_counted_exactly_once(stack: Stack, expected: dict[str, int]) -> float:
    """Scoring reaches the expected per-unit counts and keeps them; return seconds waited."""
    started = time.monotonic()
    total = sum(expected.values())
    counts = await wait_for_total(stack, total)
    reached = time.monotonic() - started
    assert counts == expected, f"per-unit counts {counts} != posted {expected}"
    # Re-sync rounds (every 1 s, for rows older than 2 s) and redeliveries must not add more.
    await asyncio.sleep(SETTLE_SECONDS)
    later = await scoring_counts(stack)
    assert later == expected, (
        f"after {SETTLE_SECONDS}s scoring counts {later} != {expected}; "
        f"{await stack.database_facts()}"
    )
    facts = await stack.database_facts()
    assert facts["scoring.dead_letters"] == 0, facts
    assert facts["enrollment.payments"] == total, facts
    return reached


def posted_per_unit(notices: list[dict[str, Any]]) -> dict[str, int]:
    return dict(collections.Counter(str(n["unit_code"]) for n in notices))


def make_notices(count: int) -> list[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    return [notice(n, run) for n in range(count)]


async def test_payments_survive_sigkill_of_scoring(stack: Stack) -> None:
    await enroll_payers(stack, PAYMENTS)
    notices = make_notices(PAYMENTS)
    poster = Poster(stack.enrollment.url, notices, CONCURRENCY)
    posting = asyncio.create_task(poster.run())
    try:
        await poster.reached(300)
        # Kill scoring while it is consuming: it has counted some but not all so far.
        counted = await wait_for_total_above(stack, 0)
        stack.scoring.kill()
        killed_at = poster.done
        await poster.reached(min(killed_at + 200, PAYMENTS))  # posting goes on without it
        stack.scoring.start()
        await stack.scoring.wait_healthy()
        restarted_at = poster.done
        await posting
    finally:
        posting.cancel()
    assert poster.failures == [], poster.failures[:10]
    assert poster.recorded == PAYMENTS
    print(
        f"scoring had counted {counted} when killed after {killed_at} posts; "
        f"healthy again after {restarted_at}; posting took {poster_seconds(poster):.1f}s"
    )
    assert killed_at < PAYMENTS, "posting ended before scoring was killed: nothing tested"
    waited = await assert_counted_exactly_once(stack, posted_per_unit(notices))
    print(f"scoring counted all {PAYMENTS} {waited:.1f}s after the last post")


async def test_payments_survive_a_broker_restart(stack: Stack) -> None:
    await enroll_payers(stack, PAYMENTS)
    notices = make_notices(PAYMENTS)
    poster = Poster(stack.enrollment.url, notices, CONCURRENCY)
    posting = asyncio.create_task(poster.run())
    try:
        await poster.reached(300)
        await wait_for_total_above(stack, 0)
        # The broker may take seconds to stop (SIGTERM, then SIGKILL after 5 s) and serves
        # until then: hold the posts meanwhile, so that the next ones meet no broker at all.
        poster.pause()
        await asyncio.to_thread(stack.stop_broker)
        stopped_at = poster.done
        poster.resume()
        # Enrollment keeps accepting payments while the broker is away: the outbox holds them.
        down_since = time.monotonic()
        await poster.reached(min(stopped_at + 150, PAYMENTS))
        # An outage of a few seconds, not a blink: hold the rest until then.
        poster.pause()
        await asyncio.sleep(max(0.0, BROKER_DOWN_SECONDS - (time.monotonic() - down_since)))
        restarted_at = poster.done
        await asyncio.to_thread(stack.start_broker)  # a new, empty broker on the same port
        poster.resume()
        await posting
    finally:
        posting.cancel()
    assert poster.failures == [], poster.failures[:10]
    assert poster.recorded == PAYMENTS
    print(
        f"broker stopped after {stopped_at} posts, a new one started after {restarted_at}; "
        f"posting took {poster_seconds(poster):.1f}s"
    )
    assert stopped_at < PAYMENTS, "posting ended before the broker stopped: nothing tested"
    assert restarted_at > stopped_at, "no payment was posted while the broker was down"
    waited = await assert_counted_exactly_once(stack, posted_per_unit(notices))
    print(f"scoring counted all {PAYMENTS} {waited:.1f}s after the last post")


async def test_a_payment_delivered_three_times_counts_once(stack: Stack) -> None:
    await enroll_payers(stack, 2)
    body = notice(1, uuid.uuid4().hex[:8])
    async with httpx.AsyncClient(base_url=stack.enrollment.url, timeout=30) as client:
        # Three deliveries at once, each with its own Idempotency-Key: they race.
        responses = await asyncio.gather(
            *(post_notice(client, body, key=f"delivery-{n}-{uuid.uuid4().hex}") for n in range(3))
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sorted(r.json()["outcome"] for r in responses) == ["duplicate", "duplicate", "recorded"]
    await assert_counted_exactly_once(stack, {**dict.fromkeys(UNITS, 0), body["unit_code"]: 1})


async def wait_for_total_above(stack: Stack, floor: int, timeout: float = 30.0) -> int:
    """Wait until scoring has counted more than `floor` payments; return the total."""
    deadline = time.monotonic() + timeout
    while True:
        counts = await scoring_counts(stack)
        if counts is not None and sum(counts.values()) > floor:
            return sum(counts.values())
        if time.monotonic() > deadline:
            raise AssertionError(f"scoring counted nothing within {timeout}s: {counts}")
        await asyncio.sleep(0.05)


def poster_seconds(poster: Poster) -> float:
    return (poster.finished or time.monotonic()) - poster.started
