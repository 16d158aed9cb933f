"""Snapshots through the API: movement per cadence, consecutive triggers, the scheduler."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import text

from libs.common.deps import get_now
from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.snapshots.scheduler import SnapshotScheduler
from tests.integration.scoring.helpers import (
    ADMIN,
    VILLAGES,
    apply,
    at,
    emitted,
    hazard_closed,
    safety_campaign,
)

CAMPAIGN = "/v1/campaigns/safety-2027"
RANKING = f"{CAMPAIGN}/pools/villages/ranking"


async def close(client, counts: dict[int, int]) -> None:
    """Close `n` hazards on time in village `i` (the safety campaign counts them)."""
    events = [
        hazard_closed(VILLAGES[i], None, at(4, 1 + k)) for i, n in counts.items() for k in range(n)
    ]
    assert set(await apply(client.runtime, *events)) == {"applied"}


LOOKING_BACK = datetime(2028, 1, 3, 9, tzinfo=SHANGHAI)
"""The clock of the requests of these tests: every period of 2027 has ended."""


def set_clock(client, now: datetime) -> None:
    """Make the client's app act at `now` (the `Now` dependency)."""

    async def fixed() -> datetime:
        return now

    client.asgi_transport.app.dependency_overrides[get_now] = fixed


async def snapshot(client, cadence: str, on: str, campaign: str = CAMPAIGN) -> dict:
    """Take a snapshot of a 2027 period, looking back from 2028."""
    set_clock(client, LOOKING_BACK)
    response = await client.post(
        f"{campaign}/snapshots", json={"cadence": cadence, "on": on}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return response.json()


async def movements(client, snapshot_id: str) -> dict[str, int | None]:
    body = (await client.get(f"/v1/snapshots/{snapshot_id}", headers=ADMIN)).json()
    return {e["unit_code"]: e["movement"] for e in body["entries"]}


async def live(client, query: str = "") -> dict:
    return (await client.get(RANKING + query, headers=ADMIN)).json()


async def test_movement_is_measured_within_each_cadence(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 3, 1: 2, 2: 1})
    await snapshot(client, "monthly", "2027-03-31")
    await snapshot(client, "weekly_friday", "2027-04-23")
    await close(client, {5: 5})  # village 5 goes from 4th to 1st
    weekly = await snapshot(client, "weekly_friday", "2027-04-30")
    monthly = await snapshot(client, "monthly", "2027-04-30")  # same day, other series
    assert (await movements(client, weekly["id"]))[VILLAGES[5]] == 3
    by_month = await movements(client, monthly["id"])
    assert (by_month[VILLAGES[5]], by_month[VILLAGES[0]]) == (3, -1)
    await close(client, {3: 4})  # village 3: 5th (tied) to 2nd
    await snapshot(client, "weekly_friday", "2027-05-07")
    await close(client, {4: 6})  # village 4: last to 1st
    weekly_view, monthly_view = await live(client), await live(client, "?cadence=monthly")
    assert (weekly_view["movement_cadence"], weekly_view["movement_since"]) == (
        "weekly_friday",
        "2027-W18",
    )
    assert (monthly_view["movement_cadence"], monthly_view["movement_since"]) == (
        "monthly",
        "2027-04",
    )
    weekly_moves = {u["unit_code"]: u["movement"] for u in weekly_view["units"]}
    monthly_moves = {u["unit_code"]: u["movement"] for u in monthly_view["units"]}
    assert (weekly_moves[VILLAGES[4]], weekly_moves[VILLAGES[3]]) == (5, -1)
    assert (monthly_moves[VILLAGES[4]], monthly_moves[VILLAGES[3]]) == (4, 2)


async def test_live_movement_is_none_before_any_snapshot(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    body = await live(client)
    assert body["movement_since"] is None
    assert {u["movement"] for u in body["units"]} == {None}
    unknown = await client.get(RANKING + "?cadence=fortnightly", headers=ADMIN)
    assert unknown.status_code == 422


async def test_a_live_page_follows_a_change_of_its_campaign_row(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    assert (await live(client))["movement_cadence"] == "weekly_friday"
    async with client.runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE campaign SET policy = jsonb_set(policy, '{cadences}', '[\"monthly\"]')")
        )
    assert (await live(client))["movement_cadence"] == "monthly"
    weekly = await client.get(RANKING + "?cadence=weekly_friday", headers=ADMIN)
    assert weekly.status_code == 422
    async with client.runtime.engine.begin() as conn:
        await conn.execute(text("DELETE FROM campaign"))
    assert (await client.get(RANKING, headers=ADMIN)).status_code == 404


async def test_a_trigger_fires_on_the_second_consecutive_bottom_ranking(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 5, 1: 4, 2: 3, 3: 2, 4: 1})
    first = await snapshot(client, "weekly_friday", "2027-04-02")
    assert (await client.get(f"{CAMPAIGN}/triggers", headers=ADMIN)).json() == []
    second = await snapshot(client, "weekly_friday", "2027-04-09")
    fired = (await client.get(f"{CAMPAIGN}/triggers", headers=ADMIN)).json()
    admonished = {t["unit_code"] for t in fired if t["kind"] == "bottom_twice_admonition"}
    assert admonished == {VILLAGES[3], VILLAGES[4], VILLAGES[5]}
    assert {t["previous_snapshot_id"] for t in fired} == {first["id"]}
    events = await emitted(client.runtime, "trigger.fired")
    talks = [e["data"] for e in events if e["data"]["kind"] == "admonition_talk"]
    assert {t["unit_code"] for t in talks} == admonished
    # One vocabulary: the event's rule is the API's trigger kind, its actions the API's.
    assert {(t["rule"], tuple(t["actions"])) for t in talks} == {
        ("bottom_twice_admonition", ("admonition_talk",))
    }
    assert {tuple(t["snapshot_ids"]) for t in talks} == {(first["id"], second["id"])}


async def test_no_trigger_fires_when_a_period_was_skipped(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 5, 1: 4, 2: 3, 3: 2, 4: 1})
    await snapshot(client, "weekly_friday", "2027-04-02")
    await snapshot(client, "weekly_friday", "2027-04-16")  # week 14 was never ranked
    assert (await client.get(f"{CAMPAIGN}/triggers", headers=ADMIN)).json() == []
    assert await emitted(client.runtime, "trigger.fired") == []


async def test_the_scheduler_catches_up_missed_snapshots_once_across_replicas(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 2, 1: 1})
    # Down from Friday 9 April 17:00 until Saturday morning: Friday's snapshot was missed.
    saturday = datetime(2027, 4, 10, 9, tzinfo=SHANGHAI)
    replicas = SnapshotScheduler(client.runtime), SnapshotScheduler(client.runtime)
    taken = await asyncio.gather(*(replica.tick(saturday) for replica in replicas))
    assert sum(taken) == 3
    listed = (await client.get(f"{CAMPAIGN}/snapshots", headers=ADMIN)).json()
    periods = sorted((s["cadence"], s["period"], s["taken_by"]) for s in listed)
    assert periods == [
        ("monthly", "2027-03", "scheduler"),
        ("quarterly", "2027-Q1", "scheduler"),
        ("weekly_friday", "2027-W14", "scheduler"),
    ]
    assert len(await emitted(client.runtime, "ranking.published")) == 3
    assert await replicas[0].tick(saturday) == 0


async def test_the_scheduler_takes_nothing_for_periods_closed_before_the_campaign(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    assert await SnapshotScheduler(client.runtime).tick(datetime.now(UTC)) == 0
    assert (await client.get(f"{CAMPAIGN}/snapshots", headers=ADMIN)).json() == []


async def test_a_snapshot_of_a_period_not_ended_is_refused_and_nothing_is_taken(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 2, 1: 1})
    set_clock(client, datetime(2027, 4, 9, 17, 59, tzinfo=SHANGHAI))  # Friday, before 18:00
    url = f"{CAMPAIGN}/snapshots"
    for body in (
        {"cadence": "weekly_friday", "on": "2027-04-09"},
        {"cadence": "weekly_friday"},  # today's week
        {"cadence": "monthly", "on": "2027-04-01"},
        {"cadence": "weekly_friday", "on": "2027-12-31"},
    ):
        refused = await client.post(url, json=body, headers=ADMIN)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["field"] == "on"
    assert refused.json()["closes_at"] == "2027-12-31T18:00:00+08:00"
    assert (await client.get(url, headers=ADMIN)).json() == []
    assert await emitted(client.runtime, "ranking.published") == []
    ended = await client.post(
        url, json={"cadence": "weekly_friday", "on": "2027-04-02"}, headers=ADMIN
    )
    assert ended.status_code == 201
    set_clock(client, datetime(2027, 4, 9, 18, 0, tzinfo=SHANGHAI))
    closing = await client.post(url, json={"cadence": "weekly_friday"}, headers=ADMIN)
    assert closing.status_code == 201 and closing.json()["period"] == "2027-W14"
