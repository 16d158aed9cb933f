"""DOMAIN §4.2 stage formula through the API: deposits (by deposit time) → live scores."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.integration.scoring.helpers import (
    ADMIN,
    TOWN,
    VILLAGES,
    apply,
    at,
    deposits,
    medical_campaign,
    ranking_of,
)

RANKING = "/v1/campaigns/rm-2027/pools/villages/ranking"


@pytest.mark.parametrize(
    ("completed", "task", "expected"),
    [(70, 100, "75.0000"), (785, 1000, "83.5000"), (75, 100, "80.0000"), (80, 100, "85.0000")],
    ids=["70%", "78.5%", "75%", "80%"],
)
async def test_stage_one_score_is_weight_minus_shortfall_times_100(
    client_for, completed, task, expected
):
    client = await client_for("scoring")
    assert (
        await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    ).status_code == 201
    await apply(client.runtime, *deposits(VILLAGES[0], completed, at(3, 10), task=task))
    body = (await client.get(RANKING, headers=ADMIN)).json()
    row = next(u for u in body["units"] if u["unit_code"] == VILLAGES[0])
    assert row["score"] == expected
    assert row["rank"] == 1
    assert {line["rule_code"] for line in row["explanation"]} == {"ST-WEIGHT", "ST-LINEAR"}


async def test_two_stages_add_up_72_then_91_gives_98(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    await apply(client.runtime, *deposits(VILLAGES[0], 72, at(3, 20)))
    await apply(client.runtime, *deposits(VILLAGES[0], 19, at(9, 1)))
    body = (await client.get(RANKING, headers=ADMIN)).json()
    assert ranking_of(body)[VILLAGES[0]] == (1, "98.0000")


async def test_ties_share_a_rank_and_others_follow(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    await apply(
        client.runtime,
        *deposits(VILLAGES[0], 80, at(3, 1)),
        *deposits(VILLAGES[1], 80, at(3, 1)),
        *deposits(VILLAGES[2], 70, at(3, 1)),
    )
    ranks = ranking_of((await client.get(RANKING, headers=ADMIN)).json())
    assert ranks[VILLAGES[0]][0] == ranks[VILLAGES[1]][0] == 1
    assert ranks[VILLAGES[2]][0] == 3
    assert ranks[VILLAGES[3]][0] == 4  # the untouched three share 4th (score 0)
    assert ranks[VILLAGES[5]][0] == 4


async def test_a_campaign_created_later_is_seeded_from_the_event_log(client_for):
    client = await client_for("scoring")
    await apply(client.runtime, *deposits(VILLAGES[0], 70, at(3, 10)))
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    body = (await client.get(RANKING, headers=ADMIN)).json()
    assert ranking_of(body)[VILLAGES[0]] == (1, "75.0000")


async def test_every_page_of_a_ranking_with_ties_is_a_slice_of_the_whole(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    done = [80, 70, 80, 60, 70, 80]  # three tied first, two tied fourth, one sixth
    readings = [e for v, n in zip(VILLAGES, done, strict=True) for e in deposits(v, n, at(3, 1))]
    await apply(client.runtime, *readings)
    whole = (await client.get(RANKING, headers=ADMIN)).json()["units"]
    assert [u["rank"] for u in whole] == [1, 1, 1, 4, 4, 6]
    for offset in range(7):
        for limit in (1, 2, 4):
            url = f"{RANKING}?offset={offset}&limit={limit}"
            page = (await client.get(url, headers=ADMIN)).json()["units"]
            assert page == whole[offset : offset + limit], (offset, limit)


async def test_a_town_officer_sees_only_its_villages_with_their_places_in_the_pool(client_for):
    client = await client_for("scoring")
    await client.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    done = [70, 80, 90, 60, 75, 85]
    readings = [e for v, n in zip(VILLAGES, done, strict=True) for e in deposits(v, n, at(3, 1))]
    await apply(client.runtime, *readings)
    town = bearer(["town_officer"], TOWN)
    body = (await client.get(RANKING, headers=town)).json()
    assert [(u["unit_code"], u["rank"]) for u in body["units"]] == [
        (VILLAGES[1], 3),
        (VILLAGES[0], 5),
    ]
    second = (await client.get(f"{RANKING}?offset=1&limit=1", headers=town)).json()
    assert [u["unit_code"] for u in second["units"]] == [VILLAGES[0]]
