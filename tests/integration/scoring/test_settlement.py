"""DOMAIN §4.2 numbers through the API: date-bucket awards and deductions, rank awards per
pool (ties share a place), and the straw-burning penalty ladder."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.integration.scoring.helpers import (
    ADMIN,
    PENSION_SCHEME,
    SCHEME,
    TOWN,
    VILLAGES,
    apply,
    at,
    deposits,
    medical_campaign,
    payment,
    pension_campaign,
    units,
)

SETTLEMENT = "/v1/campaigns/rm-2027/settlement"
FARMS = ["320115101003", "320115101004", "320115102003", "320115102004"]


def reading(unit: str, done: int, when, per_capita: int = 600, scheme: str = SCHEME) -> list:
    return deposits(unit, done, when, f"{per_capita}.00", scheme=scheme)


def pension(unit: str, done: int, when, per_capita: int = 600) -> list:
    """Resident-pension deposits: the per-capita rules (000:L132, L184) are the pension's."""
    return reading(unit, done, when, per_capita, scheme=PENSION_SCHEME)


async def settle(client) -> dict:
    response = await client.get(SETTLEMENT, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def test_date_bucket_awards_and_late_deductions(client_for):
    client = await client_for("scoring")
    body = pension_campaign(units=units(cadre_ids=["c1", "c2"], contact_cadre_ids=["k1"]))
    assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).status_code == 201
    await apply(
        client.runtime,
        *pension(VILLAGES[0], 100, at(6, 10)),  # by Jun 30, per capita 600
        *pension(VILLAGES[1], 100, at(6, 20), per_capita=499),  # rate 100% is not enough
        # 100 more yuan make 500 each: by Jul 31
        payment(VILLAGES[1], "100.00", at(7, 20), completes=False, scheme=PENSION_SCHEME),
        *pension(VILLAGES[2], 100, at(8, 31), per_capita=550),  # by Aug 31
        *pension(VILLAGES[3], 100, at(10, 15)),  # by Oct 31: half the county subsidy lost
        *pension(VILLAGES[4], 100, at(12, 31)),  # by Dec 31: all of it lost
        *pension(VILLAGES[5], 90, at(12, 31)),  # never
    )
    awards = {a["unit_code"]: a for a in (await settle(client))["date_bucket_awards"]}
    town = await client.get(SETTLEMENT, headers=bearer(["town_officer"], TOWN))
    assert town.status_code == 200  # a district campaign seen by a town: its villages only
    assert {a["unit_code"] for a in town.json()["date_bucket_awards"]} == set(VILLAGES[:2])
    assert {a["unit_code"] for a in town.json()["rank_awards"]} <= set(VILLAGES[:2])
    got = {
        unit: (
            a["completed_on"],
            a["per_cadre"],
            a["village_award"],
            a["subsidy_deduction"],
            a["honours_barred"],
        )
        for unit, a in awards.items()
    }
    assert got == {
        VILLAGES[0]: ("2027-06-10", "1200", "2000", "0", False),
        VILLAGES[1]: ("2027-07-20", "1000", "0", "0", False),
        VILLAGES[2]: ("2027-08-31", "800", "0", "0", False),
        VILLAGES[3]: ("2027-10-15", "0", "2000", "50.0", False),
        VILLAGES[4]: ("2027-12-31", "0", "2000", "100", False),
        VILLAGES[5]: (None, "0", "0", "100", True),
    }
    assert awards[VILLAGES[0]]["cadre_awards"] == {"c1": "1200", "c2": "1200"}
    assert awards[VILLAGES[5]]["barred_person_ids"] == ["c1", "c2", "k1"]
    assert awards[VILLAGES[0]]["per_capita"] == "600.00"


async def test_rank_awards_go_to_the_first_three_per_pool_and_ties_share(client_for):
    client = await client_for("scoring")
    farms = [
        {"unit_code": code, "name": f"分场{i}", "category": "branch_farm", "task": 100}
        for i, code in enumerate(FARMS)
    ]
    body = medical_campaign(units=units() + farms)
    assert (await client.post("/v1/campaigns", json=body, headers=ADMIN)).status_code == 201
    await apply(
        client.runtime,
        *reading(VILLAGES[0], 100, at(3, 1)),
        *reading(VILLAGES[1], 100, at(3, 1)),  # the same moment: both first
        *reading(VILLAGES[2], 100, at(3, 10)),  # third
        *reading(VILLAGES[3], 100, at(3, 20)),  # fourth: commended, no money
        *reading(VILLAGES[4], 50, at(3, 20)),
        *reading(VILLAGES[5], 20, at(3, 20)),  # furthest behind
        *reading(FARMS[0], 100, at(3, 5)),
        *reading(FARMS[1], 100, at(3, 6)),
        *reading(FARMS[2], 40, at(3, 6)),
        *reading(FARMS[3], 40, at(3, 6)),  # tied furthest behind
    )
    payouts = (await settle(client))["rank_awards"]
    money = {
        (p["pool"], p["unit_code"], p["kind"], p["place"], p["amount"])
        for p in payouts
        if p["kind"] in ("award", "deduction")
    }
    assert money == {
        ("villages", VILLAGES[0], "award", 1, "2000"),
        ("villages", VILLAGES[1], "award", 1, "2000"),
        ("villages", VILLAGES[2], "award", 3, "1000"),
        ("villages", VILLAGES[5], "deduction", 1, "2000"),
        ("villages", VILLAGES[4], "deduction", 2, "1500"),
        ("branch_farms", FARMS[0], "award", 1, "1000"),
        ("branch_farms", FARMS[1], "award", 2, "800"),
        ("branch_farms", FARMS[2], "deduction", 1, "1000"),
        ("branch_farms", FARMS[3], "deduction", 1, "1000"),
    }
    commended = {p["unit_code"] for p in payouts if p["kind"] == "commendation"}
    assert commended == {*VILLAGES[:4], *FARMS[:2]}
    ranking = (
        await client.get("/v1/campaigns/rm-2027/pools/villages/ranking", headers=ADMIN)
    ).json()
    ranks = {u["unit_code"]: u["rank"] for u in ranking["units"]}
    assert [ranks[v] for v in VILLAGES] == [1, 1, 1, 1, 5, 6]  # equal scores share a rank


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        (0, []),
        (
            1,
            [
                ("criticism", "circular_criticism", "village", "0"),
                ("caretaker_deduction", "pay_deduction", "caretaker", "50"),
            ],
        ),
        (
            2,
            [
                ("criticism", "circular_criticism", "village", "0"),
                ("caretaker_deduction", "pay_deduction", "caretaker", "100"),
            ],
        ),
        (
            3,
            [
                ("criticism", "circular_criticism", "village", "0"),
                ("caretaker_deduction", "pay_deduction", "caretaker", "150"),
                (
                    "committee_member_deduction",
                    "pay_deduction",
                    "village_committee_member_in_charge",
                    "100",
                ),
                ("committee_member_deduction", "reminder_talk", "responsible_persons", "0"),
            ],
        ),
    ],
)
async def test_the_straw_burning_ladder(client_for, incidents, expected):
    client = await client_for("scoring")
    response = await client.post(
        "/v1/penalty-ladders/straw_burning/evaluate", json={"incidents": incidents}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["above_includes_threshold"], body["steps_stack"]) == (True, True)
    got = [(a["step_code"], a["kind"], a["target_role"], a["amount"]) for a in body["actions"]]
    assert got == expected


@pytest.mark.parametrize("incidents", [-1, 1001, 10**9])
async def test_an_absurd_count_of_burnings_is_refused_naming_the_field(client_for, incidents):
    client = await client_for("scoring")
    response = await client.post(
        "/v1/penalty-ladders/straw_burning/evaluate", json={"incidents": incidents}, headers=ADMIN
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["incidents"]
    most = await client.post(
        "/v1/penalty-ladders/straw_burning/evaluate", json={"incidents": 1000}, headers=ADMIN
    )
    assert most.status_code == 200
