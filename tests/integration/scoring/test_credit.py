"""DOMAIN §4.1 through the API: grades at the boundaries, official vs provisional, items."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import bearer
from tests.integration.scoring.helpers import (
    ADMIN,
    OTHER_TOWN,
    TOWN,
    VILLAGES,
    apply,
    at,
    credit_code,
    emitted,
    hazard_closed,
    hazard_reported,
)

CODE = credit_code(1)
ENTITY = f"/v1/credit/entities/{CODE}"


def basic(level: Decimal, innovation: Decimal | None = None) -> dict[str, object]:
    """Basic information scoring 10 × level; innovation (weight 0.1) moves it 1 per point."""
    dims = {d: str(level) for d in ("identity", "behaviour", "financial_strength", "law_abiding")}
    dims["innovation"] = str(innovation if innovation is not None else level)
    return {"unit_code": VILLAGES[0], "name": "秣陵燃气站", "dimensions": dims}


@pytest.mark.parametrize(
    ("level", "innovation", "score", "grade"),
    [
        ("65", None, "650.00", "excellent"),
        ("65", "64.99", "649.99", "good"),
        ("55", None, "550.00", "good"),
        ("55", "54.99", "549.99", "fair"),
        ("45", None, "450.00", "fair"),
        ("45", "44.99", "449.99", "poor"),
        ("35", None, "350.00", "poor"),
        ("35", "34.99", "349.99", "bad"),
    ],
)
async def test_grades_are_exact_at_the_boundaries(client_for, level, innovation, score, grade):
    client = await client_for("scoring")
    body = basic(Decimal(level), Decimal(innovation) if innovation else None)
    response = await client.put(f"{ENTITY}/basic", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text
    credit = response.json()
    assert (credit["shown"], credit["score"], credit["grade"]) == ("provisional", score, grade)
    assert credit["provisional"]["policy_version"] == "credit_rules.v1"
    assert len(credit["provisional"]["explanation"]) == 5


async def test_a_closed_hazard_lifts_the_provisional_score_and_explains_it(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65), Decimal("64.99")), headers=ADMIN)
    closed = hazard_closed(VILLAGES[0], CODE, at(5, 2))
    assert await apply(client.runtime, closed) == ["applied"]
    credit = (await client.get(ENTITY, headers=ADMIN)).json()
    assert (credit["score"], credit["grade"]) == ("654.99", "excellent")
    line = credit["provisional"]["explanation"][-1]
    assert line["rule_code"] == "CR-ITEM-hazard_closed_on_time" and line["effect"] == "5"
    items = (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()
    assert [i["kind"] for i in items] == ["hazard_closed_on_time"]
    history = (await client.get(f"{ENTITY}/history", headers=ADMIN)).json()
    assert [h["score"] for h in history] == ["654.99", "649.99"]
    grades = await emitted(client.runtime, "credit.grade_changed")
    assert [g["data"]["to_grade"] for g in grades] == ["good", "excellent"]
    assert (await emitted(client.runtime, "credit.score_changed"))[-1]["data"]["cause_event_id"]


async def test_a_major_hazard_lowers_the_score(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    await apply(client.runtime, hazard_reported(VILLAGES[0], CODE, at(5, 2), major=True))
    credit = (await client.get(ENTITY, headers=ADMIN)).json()
    assert (credit["score"], credit["grade"]) == ("600.00", "good")


async def test_an_official_grade_is_shown_once_posted(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    official = {"year": 2026, "grade": "fair", "score": "500.00"}
    response = await client.post(f"{ENTITY}/official", json=official, headers=ADMIN)
    credit = response.json()
    assert (credit["shown"], credit["grade"], credit["score"]) == ("official", "fair", "500.00")
    assert credit["grade_label"] == "一般" and credit["official"]["grade_label"] == "一般"
    assert credit["provisional"]["score"] == "650.00"
    assert credit["supervision"]["sampling_ratio_per_quarter"] == "0.10"
    grades = await emitted(client.runtime, "credit.grade_changed")
    assert grades[-1]["data"] == grades[-1]["data"] | {"to_grade": "fair", "kind": "official"}


async def test_an_accepted_objection_withdraws_the_item(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    await apply(client.runtime, hazard_reported(VILLAGES[0], CODE, at(5, 2), major=True))
    item = (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()[0]
    request = {"kind": "objection", "reason": "not ours", "item_ids": [item["id"]]}
    created = await client.post(f"{ENTITY}/requests", json=request, headers=ADMIN)
    assert created.status_code == 201 and created.json()["status"] == "pending"
    decision = {"status": "accepted", "outcome": "hazard belongs to the neighbour"}
    decided = await client.post(
        f"/v1/credit/requests/{created.json()['id']}/decision", json=decision, headers=ADMIN
    )
    assert decided.json()["status"] == "accepted"
    assert (await client.get(ENTITY, headers=ADMIN)).json()["score"] == "650.00"
    again = await client.post(
        f"/v1/credit/requests/{created.json()['id']}/decision", json=decision, headers=ADMIN
    )
    assert again.status_code == 409


async def test_credit_outside_the_jurisdiction_is_403(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    inside = await client.get(ENTITY, headers=bearer(["town_officer"], TOWN))
    outside = await client.get(ENTITY, headers=bearer(["town_officer"], OTHER_TOWN))
    assert (inside.status_code, outside.status_code) == (200, 403)
    posting = await client.put(
        f"{ENTITY}/basic", json=basic(Decimal(65)), headers=bearer(["town_officer"], TOWN)
    )
    assert posting.status_code == 403


async def test_an_invalid_credit_code_is_rejected(client_for):
    client = await client_for("scoring")
    bad = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    response = await client.put(
        f"/v1/credit/entities/{bad}/basic", json=basic(Decimal(65)), headers=ADMIN
    )
    assert response.status_code == 422
