"""Credit through the API: history, items and their sources, grade events, objections,
contribution arrears, and rescoring every entity under a new policy version."""

from __future__ import annotations

import uuid
from decimal import Decimal

from libs.common.events.envelope import Envelope
from services.scoring.credit import policies
from services.scoring.domain.credit_rules import parse_credit_rules
from services.scoring.policy import read_policy_text
from tests.integration.scoring.helpers import (
    ADMIN,
    VILLAGES,
    apply,
    arrears,
    arrears_cleared,
    at,
    credit_code,
    emitted,
    hazard_closed,
    hazard_reported,
)
from tests.integration.scoring.test_credit import basic
from tests.integration.scoring.test_rebuild import cli

CODE = credit_code(21)
ENTITY = f"/v1/credit/entities/{CODE}"


async def post_basic(client, level: int, code: str = CODE) -> dict:
    response = await client.put(
        f"/v1/credit/entities/{code}/basic", json=basic(Decimal(level)), headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return response.json()


async def credit(client, code: str = CODE) -> dict:
    return (await client.get(f"/v1/credit/entities/{code}", headers=ADMIN)).json()


async def test_history_lists_every_score_newest_first_with_cause_and_policy(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    closed = Envelope.wrap(hazard_closed(VILLAGES[0], CODE, at(5, 2)))
    major = Envelope.wrap(hazard_reported(VILLAGES[0], CODE, at(5, 3), major=True))
    await apply(client.runtime, closed, major)
    history = (await client.get(f"{ENTITY}/history", headers=ADMIN)).json()
    assert [(h["score"], h["grade"], h["cause"]) for h in history] == [
        ("605.00", "good", major.id),
        ("655.00", "excellent", closed.id),
        ("650.00", "excellent", "basic_info"),
    ]
    assert {h["policy_version"] for h in history} == {"credit_rules.v1"}
    assert history[0]["explanation"][-1]["rule_code"] == "CR-ITEM-major_hazard"


async def test_items_are_exported_with_their_source_events(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    closed = Envelope.wrap(hazard_closed(VILLAGES[0], CODE, at(5, 2)))
    general = Envelope.wrap(hazard_reported(VILLAGES[0], CODE, at(5, 1)))  # not an item
    await apply(client.runtime, general, closed)
    items = (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()
    assert items == [
        {
            "id": f"{closed.id}:hazard_closed_on_time",
            "kind": "hazard_closed_on_time",
            "occurred_at": "2027-05-02T04:00:00Z",
            "source_event_id": closed.id,
            "source_type": closed.type,
            "unit_code": VILLAGES[0],
            "withdrawn": False,
            "cleared_at": None,
        }
    ]


async def test_grade_changed_is_emitted_only_when_the_grade_moves(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)  # 650: excellent
    await apply(client.runtime, hazard_closed(VILLAGES[0], CODE, at(5, 2)))  # 655: excellent
    await apply(client.runtime, hazard_closed(VILLAGES[0], CODE, at(5, 3)))  # 660: excellent
    grades = await emitted(client.runtime, "credit.grade_changed")
    assert [(g["data"]["from_grade"], g["data"]["to_grade"]) for g in grades] == [
        (None, "excellent")
    ]
    await apply(client.runtime, hazard_reported(VILLAGES[0], CODE, at(5, 4), major=True))
    grades = await emitted(client.runtime, "credit.grade_changed")
    assert [g["data"]["to_grade"] for g in grades] == ["excellent", "good"]
    assert len(await emitted(client.runtime, "credit.score_changed")) == 4


async def test_a_rejected_objection_leaves_the_item_and_the_score(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    await apply(client.runtime, hazard_reported(VILLAGES[0], CODE, at(5, 2), major=True))
    item = (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()[0]
    request = {"kind": "objection", "reason": "not ours", "item_ids": [item["id"]]}
    created = (await client.post(f"{ENTITY}/requests", json=request, headers=ADMIN)).json()
    decision = {"status": "rejected", "outcome": "inspection photos show our valve"}
    url = f"/v1/credit/requests/{created['id']}/decision"
    decided = await client.post(url, json=decision, headers=ADMIN)
    assert (decided.status_code, decided.json()["status"]) == (200, "rejected")
    assert decided.json()["outcome"] == decision["outcome"]
    assert (await credit(client))["score"] == "600.00"
    assert (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()[0]["withdrawn"] is False
    listed = (await client.get(f"{ENTITY}/requests", headers=ADMIN)).json()
    assert [(r["id"], r["status"]) for r in listed] == [(created["id"], "rejected")]
    again = await client.post(url, json={"status": "accepted", "outcome": "x"}, headers=ADMIN)
    assert again.status_code == 409


async def test_contribution_arrears_count_until_cleared(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    owed = uuid.uuid4()
    await apply(client.runtime, arrears(VILLAGES[0], CODE, at(5, 2), owed))
    assert (await credit(client))["score"] == "620.00"
    await apply(client.runtime, arrears_cleared(VILLAGES[0], CODE, at(6, 1), owed))
    assert (await credit(client))["score"] == "650.00"
    items = (await client.get(f"{ENTITY}/items", headers=ADMIN)).json()
    assert [(i["id"], i["kind"], i["cleared_at"]) for i in items] == [
        (f"arrears:{owed}", "contribution_arrears", "2027-06-01T04:00:00Z")
    ]


async def test_arrears_cleared_before_their_assessment_arrives_never_count(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    owed = uuid.uuid4()
    await apply(client.runtime, arrears_cleared(VILLAGES[0], CODE, at(6, 1), owed))
    await apply(client.runtime, arrears(VILLAGES[0], CODE, at(5, 2), owed))
    assert (await credit(client))["score"] == "650.00"


def rules_text(version: str, base_points: int = 1000) -> str:
    text = read_policy_text("credit_rules.v1.toml")
    text = text.replace('version = "credit_rules.v1"', f'version = "{version}"')
    return text.replace("base_points = 1000", f"base_points = {base_points}")


async def test_a_new_policy_version_is_recorded_even_when_the_score_stays(client_for):
    client = await client_for("scoring")
    await post_basic(client, 65)
    async with client.runtime.sessions() as session:
        await policies.adopt(session, parse_credit_rules(rules_text("credit_rules.v1b")), "test")
        await session.commit()
    posted = await post_basic(client, 65)
    assert posted["score"] == "650.00"
    assert posted["provisional"]["policy_version"] == "credit_rules.v1b"
    history = (await client.get(f"{ENTITY}/history", headers=ADMIN)).json()
    assert [h["policy_version"] for h in history] == ["credit_rules.v1b", "credit_rules.v1"]


async def test_recompute_credit_rescores_everyone_and_announces_changed_grades(
    client_for, monkeypatch, tmp_path
):
    client = await client_for("scoring")
    codes = [credit_code(30 + n) for n in range(4)]
    for code, level in zip(codes, (70, 65, 56, 46), strict=True):
        await post_basic(client, level, code)
    policy = tmp_path / "credit_rules.v2-test.toml"
    policy.write_text(rules_text("credit_rules.v2-test", base_points=960), encoding="utf-8")
    output = await cli(client, monkeypatch, "recompute-credit", "--policy", str(policy))
    assert "credit_rules.v2-test: 4 entities scored, 4 score(s) and 3 grade(s) changed" in output
    seen = [await credit(client, code) for code in codes]
    assert [(c["score"], c["grade"]) for c in seen] == [
        ("672.00", "excellent"),
        ("624.00", "good"),
        ("537.60", "fair"),
        ("441.60", "poor"),
    ]
    assert {c["provisional"]["policy_version"] for c in seen} == {"credit_rules.v2-test"}
    grades = [g["data"] for g in await emitted(client.runtime, "credit.grade_changed")]
    moved = sorted(
        (g["credit_code"], g["from_grade"], g["to_grade"]) for g in grades if g["from_grade"]
    )
    assert moved == [
        (codes[1], "excellent", "good"),
        (codes[2], "good", "fair"),
        (codes[3], "fair", "poor"),
    ]
    history = (await client.get(f"/v1/credit/entities/{codes[0]}/history", headers=ADMIN)).json()
    assert (history[0]["cause"], history[0]["score"]) == ("policy:credit_rules.v2-test", "672.00")
    again = await cli(client, monkeypatch, "recompute-credit")
    assert "credit_rules.v2-test: 4 entities scored, 0 score(s) and 0 grade(s) changed" in again
    await apply(client.runtime, hazard_closed(VILLAGES[0], codes[0], at(5, 2)))
    after_event = await credit(client, codes[0])
    assert after_event["score"] == "677.00"
    assert after_event["provisional"]["policy_version"] == "credit_rules.v2-test"
