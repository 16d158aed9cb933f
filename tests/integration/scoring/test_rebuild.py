"""`gridgov scoring rebuild`: the state rebuilt from the event log is exactly the live one."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from typer.testing import CliRunner

from services.scoring.cli import app
from tests.integration.scoring.helpers import (
    ADMIN,
    DISTRICT,
    SCHEME,
    VILLAGES,
    YEAR,
    apply,
    arrears,
    arrears_cleared,
    at,
    credit_code,
    deposits,
    hazard_closed,
    hazard_overdue,
    hazard_reported,
    medical_campaign,
    payment,
    progress,
    reversal,
    safety_campaign,
    safety_policy,
    units,
)
from tests.integration.scoring.test_credit import basic

ENTITIES = [credit_code(11), credit_code(12), credit_code(13)]
CAMPAIGNS = ("rm-2027", "safety-2027", "money-2027")


def money_campaign() -> dict[str, Any]:
    """Villages ranked by yuan collected against a money task (payments and reversals)."""
    policy = safety_policy() | {"version": "campaign_money.v1", "name": "征缴金额"}
    policy |= {"metric": "money_collected", "formula": "rate"}
    return {
        "code": "money-2027",
        "name": "征缴金额",
        "scope_unit": DISTRICT,
        "year": YEAR,
        "scheme": SCHEME,
        "policy": policy,
        "units": units(task=2000),
    }


async def feed(client) -> int:
    """Campaigns, credit postings and a mixed stream of events; returns the events applied."""
    for body in (medical_campaign(), safety_campaign(), money_campaign()):
        assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).status_code == 201
    for code, level in zip(ENTITIES[:2], (Decimal(62), Decimal(48)), strict=True):
        response = await client.put(
            f"/v1/credit/entities/{code}/basic", json=basic(level), headers=ADMIN
        )
        assert response.status_code == 200
    a, b, c = ENTITIES
    owed_a, owed_b = uuid.uuid4(), uuid.uuid4()
    paid = [payment(VILLAGES[i % 3], f"{300 + 20 * i}.00", at(1, 2 + i)) for i in range(6)]
    stream = [
        progress(VILLAGES[0], 72, 100, at(3, 20), Decimal(72 * 600)),
        *deposits(VILLAGES[0], 70, at(3, 20)),  # with 2 of `paid`: 72 persons by 20 March
        progress(VILLAGES[1], 40, 100, at(3, 21)),
        *deposits(VILLAGES[1], 39, at(3, 21)),  # with 1 of `paid` not reversed: 40
        progress(VILLAGES[0], 100, 100, at(6, 2), Decimal(100 * 600)),
        *deposits(VILLAGES[0], 28, at(6, 2)),
        progress(VILLAGES[0], 50, 100, at(3, 1)),  # an old reading, replayed late
        *paid,
        reversal(paid[1], at(1, 20)),
        hazard_reported(VILLAGES[0], a, at(2, 1), major=True),
        hazard_closed(VILLAGES[0], a, at(2, 10)),
        hazard_closed(VILLAGES[2], None, at(2, 11)),
        hazard_overdue(VILLAGES[2], b, at(2, 12)),
        arrears(VILLAGES[2], b, at(2, 13), owed_b),
        arrears_cleared(VILLAGES[2], b, at(2, 20), owed_b),
        arrears(VILLAGES[0], a, at(2, 14), owed_a),
        hazard_reported(VILLAGES[4], c, at(2, 15), major=True),
    ]
    outcomes = await apply(client.runtime, *stream)
    assert set(outcomes) == {"applied"}
    item = (await client.get(f"/v1/credit/entities/{a}/items", headers=ADMIN)).json()[0]
    objection = {"kind": "objection", "reason": "not ours", "item_ids": [item["id"]]}
    created = await client.post(f"/v1/credit/entities/{a}/requests", json=objection, headers=ADMIN)
    decision = {"status": "accepted", "outcome": "the neighbour's"}
    decided = await client.post(
        f"/v1/credit/requests/{created.json()['id']}/decision", json=decision, headers=ADMIN
    )
    assert decided.status_code == 200
    return len(stream)


async def state(client) -> dict[str, Any]:
    """Every campaign unit's value, score and rank, every credit score, every tally."""
    seen: dict[str, Any] = {}
    for code in CAMPAIGNS:
        ranking = f"/v1/campaigns/{code}/pools/villages/ranking?limit=5000"
        body = (await client.get(ranking, headers=ADMIN)).json()
        seen[code] = {
            u["unit_code"]: (u["value"], u["score"], u["rank"], u["progress"], u["completed_at"])
            for u in body["units"]
        }
    for code in ENTITIES:
        credit = (await client.get(f"/v1/credit/entities/{code}", headers=ADMIN)).json()
        items = (await client.get(f"/v1/credit/entities/{code}/items", headers=ADMIN)).json()
        seen[code] = (credit["score"], credit["grade"], credit["provisional"], items)
    for unit in VILLAGES:
        seen[unit] = (await client.get(f"/v1/units/{unit}/payments", headers=ADMIN)).json()
    return seen


async def cli(client, monkeypatch, *args: str) -> str:
    monkeypatch.setenv("GRIDGOV_SCORING_DATABASE_URL", client.runtime.settings.db_url())
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.output


async def test_rebuild_reproduces_the_live_state_of_a_mixed_stream(client_for, monkeypatch):
    client = await client_for("scoring")
    events = await feed(client)
    live = await state(client)
    assert (
        live["rm-2027"][VILLAGES[0]][1] == "107.0000"
    )  # stage 1 at 72% (77), stage 2 at 100% (30)
    assert live[ENTITIES[0]][0] is not None and live[ENTITIES[2]][0] is None
    checked = await cli(client, monkeypatch, "rebuild", "--check")
    assert f"compared from {events} events: 0 difference(s)" in checked
    rebuilt = await cli(client, monkeypatch, "rebuild")
    assert f"rebuilt from {events} events: 0 difference(s)" in rebuilt
    assert await state(client) == live


async def test_rebuild_repairs_what_the_live_state_lost(client_for, monkeypatch):
    client = await client_for("scoring")
    await feed(client)
    live = await state(client)
    async with client.runtime.engine.begin() as conn:
        await conn.execute(
            text("UPDATE campaign_unit SET score = score + 7 WHERE unit_code = :u"),
            {"u": VILLAGES[1]},
        )
        await conn.execute(
            text("UPDATE credit_entity SET provisional_score = 1 WHERE credit_code = :c"),
            {"c": ENTITIES[1]},
        )
    checked = await cli(client, monkeypatch, "rebuild", "--check")
    assert "4 difference(s)" in checked
    assert await state(client) != live
    await cli(client, monkeypatch, "rebuild")
    assert await state(client) == live
