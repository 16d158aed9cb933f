"""DOMAIN §4.1 through the API: grades at the boundaries, official vs provisional, items."""

from __future__ import annotations

from decimal import Decimal

import httpx
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


PROBLEM = "application/problem+json"


def refused_fields(response: httpx.Response) -> list[str]:
    """The fields a 422 validation problem names."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    return [error["field"] for error in response.json()["errors"]]


async def test_basic_information_short_of_a_dimension_is_a_422_naming_it(client_for):
    client = await client_for("scoring")
    body = basic(Decimal(65))
    del body["dimensions"]["innovation"]  # type: ignore[attr-defined]
    response = await client.put(f"{ENTITY}/basic", json=body, headers=ADMIN)
    assert refused_fields(response) == ["dimensions"]
    assert "innovation" in response.json()["errors"][0]["detail"]
    assert (await client.get(ENTITY, headers=ADMIN)).status_code == 404, "nothing written"


@pytest.mark.parametrize(
    ("grade", "score"), [("excellent", "649.99"), ("fair", "550.00"), ("bad", "350.00")]
)
async def test_an_official_grade_outside_its_own_score_band_is_refused(client_for, grade, score):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    official = {"year": 2026, "grade": grade, "score": score}
    response = await client.post(f"{ENTITY}/official", json=official, headers=ADMIN)
    assert refused_fields(response) == ["score"]
    credit = (await client.get(ENTITY, headers=ADMIN)).json()
    assert (credit["shown"], credit["official"]) == ("provisional", None)
    without_score = {"year": 2026, "grade": grade}
    accepted = await client.post(f"{ENTITY}/official", json=without_score, headers=ADMIN)
    assert accepted.status_code == 200 and accepted.json()["grade"] == grade


async def test_the_latest_assessment_year_wins_whatever_the_posting_order(client_for):
    client = await client_for("scoring")
    await client.put(f"{ENTITY}/basic", json=basic(Decimal(65)), headers=ADMIN)
    newer = {"year": 2026, "grade": "good", "score": "600.00"}
    older = {"year": 2025, "grade": "poor", "score": "400.00"}
    assert (await client.post(f"{ENTITY}/official", json=newer, headers=ADMIN)).is_success
    late = await client.post(f"{ENTITY}/official", json=older, headers=ADMIN)
    assert late.status_code == 409 and late.headers["content-type"] == PROBLEM
    assert late.json()["field"] == "year" and late.json()["official_year"] == 2026
    credit = (await client.get(ENTITY, headers=ADMIN)).json()
    assert (credit["official"]["year"], credit["grade"], credit["score"]) == (
        2026,
        "good",
        "600.00",
    )
    history = (await client.get(f"{ENTITY}/history", headers=ADMIN)).json()
    assert [h["policy_version"] for h in history if h["kind"] == "official"] == ["official.2026"]
    corrected = {"year": 2026, "grade": "excellent", "score": "700.00"}
    again = await client.post(f"{ENTITY}/official", json=corrected, headers=ADMIN)
    assert again.status_code == 200 and again.json()["grade"] == "excellent"
