"""Figures through the API: deposits in any order, task readings, money tasks, reversals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text

from libs.common.events.envelope import Envelope
from tests.integration.scoring.helpers import (
    ADMIN,
    SCHEME,
    VILLAGES,
    YEAR,
    apply,
    at,
    deposits,
    hazard_closed,
    medical_campaign,
    payment,
    progress,
    ranking_of,
    reversal,
    safety_campaign,
)

RANKING = "/v1/campaigns/rm-2027/pools/villages/ranking"


async def row_of(client, unit: str, ranking: str = RANKING) -> dict:
    body = (await client.get(ranking, headers=ADMIN)).json()
    return next(u for u in body["units"] if u["unit_code"] == unit)


async def settlement_of(client, unit: str) -> dict:
    body = (await client.get("/v1/campaigns/rm-2027/settlement", headers=ADMIN)).json()
    return next(a for a in body["date_bucket_awards"] if a["unit_code"] == unit)


async def test_deposits_delivered_out_of_order_give_the_figures_of_their_deposit_days(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    march, june = deposits(VILLAGES[0], 80, at(3, 20)), deposits(VILLAGES[0], 20, at(6, 10))
    in_order = deposits(VILLAGES[1], 80, at(3, 20)) + deposits(VILLAGES[1], 20, at(6, 10))
    await apply(client.runtime, *in_order)
    # A re-sync or a bank file delivers June's deposits before March's.
    await apply(client.runtime, *june)
    await apply(client.runtime, *march)
    late, on_time = await row_of(client, VILLAGES[0]), await row_of(client, VILLAGES[1])
    same = ("score", "rank", "value", "progress", "completed_at")
    assert {k: late[k] for k in same} == {k: on_time[k] for k in same}
    assert (late["value"], late["score"]) == ("100.00", "115.0000")  # 85 + 30
    assert late["completed_at"] == f"{YEAR}-06-10T04:00:00Z"
    assert (await settlement_of(client, VILLAGES[0]))["completed_on"] == f"{YEAR}-06-10"


async def test_an_older_task_reading_in_the_same_batch_is_ignored(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    await apply(
        client.runtime,
        progress(VILLAGES[0], 0, 200, at(3, 20)),
        progress(VILLAGES[0], 0, 50, at(3, 5)),
        *deposits(VILLAGES[0], 170, at(3, 10)),
    )
    row = await row_of(client, VILLAGES[0])
    assert (row["task"], row["value"], row["score"]) == ("200.00", "170.00", "90.0000")


async def test_a_reversal_moves_progress_down(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    paid = [payment(VILLAGES[0], "600.00", at(3, 5)) for _ in range(80)]
    await apply(client.runtime, *paid)
    await apply(client.runtime, reversal(paid[0], at(3, 20)), reversal(paid[1], at(3, 20)))
    assert (await row_of(client, VILLAGES[0]))["score"] == "83.0000"


async def test_counting_changes_apply_whatever_their_time(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    ranking = "/v1/campaigns/safety-2027/pools/villages/ranking"
    await apply(client.runtime, hazard_closed(VILLAGES[1], None, at(4, 5)))
    await apply(client.runtime, hazard_closed(VILLAGES[1], None, at(4, 1)))
    assert ranking_of((await client.get(ranking, headers=ADMIN)).json())[VILLAGES[1]] == (
        1,
        "2.0000",
    )


async def test_a_money_task_is_measured_in_yuan_deposited(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    # Task 100,000 yuan; 78,500 deposited by 150 persons: 78.5% of the task, not 0.15%.
    money = progress(VILLAGES[0], 150, 100_000, at(3, 10), Decimal(78_500), task_kind="amount")
    paid = [
        *deposits(VILLAGES[0], 149, at(3, 10), "523.00"),
        payment(VILLAGES[0], "573.00", at(3, 10)),
    ]
    await apply(client.runtime, money, *paid)
    row = await row_of(client, VILLAGES[0])
    assert (row["value"], row["progress"], row["score"]) == ("78500.00", "0.785000", "83.5000")
    per_capita = (await settlement_of(client, VILLAGES[0]))["per_capita"]
    assert per_capita == "523.33"


async def test_a_reversal_takes_the_payment_out_of_the_unit_tally(client_for):
    client = await client_for("scoring")
    first, second = (
        payment(VILLAGES[0], "320.00", at(1, 5)),
        payment(VILLAGES[0], "380.00", at(1, 6)),
    )
    await apply(client.runtime, first, second)
    await apply(client.runtime, reversal(second, at(1, 7)))
    body = (await client.get(f"/v1/units/{VILLAGES[0]}/payments", headers=ADMIN)).json()
    assert (body["payments"], body["amount"]) == (1, "320.00")
    assert body["by_scheme"] == [
        {"scheme_code": SCHEME, "year": YEAR, "payments": 1, "amount": "320.00"}
    ]


async def test_an_event_delivered_again_after_its_inbox_row_was_purged_counts_once(client_for):
    client = await client_for("scoring")
    paid = Envelope.wrap(payment(VILLAGES[0], "320.00", at(1, 5)))
    assert await apply(client.runtime, paid) == ["applied"]
    async with client.runtime.engine.begin() as conn:
        await conn.execute(text("DELETE FROM inbox"))  # purged after the retention window
    assert await apply(client.runtime, paid) == ["applied"]
    body = (await client.get(f"/v1/units/{VILLAGES[0]}/payments", headers=ADMIN)).json()
    assert (body["payments"], body["amount"]) == (1, "320.00")
