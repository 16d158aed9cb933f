"""Enterprise arrears: assess, pay with late fees (deferred during the campaign), clear,
jurisdiction, concurrency, the outbox events, the base audit and the .xlsx export."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, insert, select, text

from libs.common.db import table_of
from libs.common.identifiers import credit_code_check_char
from libs.common.platform_schema import outbox
from services.demo import DISTRICT
from services.enrollment.arrears.schemas import ArrearsRead
from services.enrollment.models import EnterpriseArrears
from tests.conftest import bearer, eventually
from tests.support.enrollment import ADMIN, prepare_region

PROBLEM = "application/problem+json"
ASSESSED = "gridgov.enrollment.arrears.assessed.v1"
CLEARED = "gridgov.enrollment.arrears.cleared.v1"
SCHEME, YEAR = "employee-pension", 2025  # campaign Jun 16 – Sep 30 2025, late fee 0.05 %/day
TOWN, VILLAGE = "320115101000", "320115101001"
OTHER_TOWN, OTHER_VILLAGE = "320115102000", "320115102001"
OFFICER = bearer(["town_officer"], TOWN)


def credit_code(n: int) -> str:
    first17 = f"91320115MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def assessment(**changes: Any) -> dict[str, Any]:
    """May 2025 contributions of 10,000 due on May 31, unpaid, assessed before the campaign."""
    return {
        "credit_code": credit_code(1),
        "unit_code": VILLAGE,
        "scheme_code": SCHEME,
        "year": YEAR,
        "period": "2025-05",
        "due": "10000.00",
        "paid": "0.00",
        "due_date": "2025-05-31",
        "assessed_on": "2025-06-10",
    } | changes


async def count(client, table) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)))


async def events(client, kind: str) -> list[dict[str, Any]]:
    async with client.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(outbox.c.envelope, outbox.c.topic, outbox.c.key)
            .where(outbox.c.type == kind)
            .order_by(outbox.c.id)
        )
        return [row.envelope | {"_topic": row.topic, "_key": row.key} for row in rows]


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    body = {"template": "employee_pension/default"}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return client


async def assess(client, headers=OFFICER, **changes) -> dict[str, Any]:
    response = await client.post("/v1/arrears", json=assessment(**changes), headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def pay(client, arrears_id: str, amount: str, paid_on: str, headers=OFFICER):
    body = {"amount": amount, "paid_on": paid_on}
    return await client.post(f"/v1/arrears/{arrears_id}/payments", json=body, headers=headers)


def amounts(body: dict[str, Any], *names: str) -> list[Decimal]:
    return [Decimal(body[name]) for name in names]


async def test_assessment_counts_the_late_fee_and_emits_arrears_assessed(client):
    body = await assess(client, paid="6000.00")
    assert amounts(body, "outstanding", "late_fee_payable", "amount_to_clear") == [
        Decimal("4000.00"),
        Decimal("20.00"),  # 10 days × 0.05 % × 4,000, payable: before the campaign
        Decimal("4020.00"),
    ]
    assert body["status"] == "open" and body["late_fee_as_of"] == "2025-06-10"
    [event] = await events(client, ASSESSED)
    assert event["_topic"].endswith("gridgov.enrollment") and event["_key"] == body["id"]
    data = event["data"]
    assert data["arrears_id"] == body["id"] and data["credit_code"] == credit_code(1)
    assert data["unit_code"] == VILLAGE and data["scheme"] == SCHEME and data["year"] == YEAR
    assert Decimal(data["amount_due"]) == Decimal("4000.00")
    assert data["late_fee_deferred"] is False
    assert await count(client, EnterpriseArrears) == 1


async def test_assessed_during_the_campaign_the_late_fee_is_deferred(client):
    body = await assess(client, assessed_on="2025-07-01")
    assert amounts(body, "late_fee_deferred", "late_fee_payable", "amount_to_clear") == [
        Decimal("155.00"),
        Decimal("0.00"),
        Decimal("10000.00"),
    ]
    assert body["deferred_until"] == "2025-09-30"
    [event] = await events(client, ASSESSED)
    assert event["data"]["late_fee_deferred"] is True


async def test_paying_the_contributions_after_the_campaign_leaves_the_late_fee_due(client):
    arrears = await assess(client)
    paid = await pay(client, arrears["id"], "10000.00", "2025-10-10")
    assert paid.status_code == 200, paid.text
    body = paid.json()
    # 50.00 to Jun 10, then 122 days × 5.00 to Oct 10: all payable once the campaign ended
    assert amounts(body, "outstanding", "late_fee_payable", "amount_to_clear") == [
        Decimal("0"),
        Decimal("660.00"),
        Decimal("660.00"),
    ]
    assert body["status"] == "open" and body["cleared_at"] is None
    assert await events(client, CLEARED) == []
    cleared = (await pay(client, arrears["id"], "660.00", "2025-10-10")).json()
    assert cleared["status"] == "cleared" and Decimal(cleared["amount_to_clear"]) == 0
    assert Decimal(cleared["late_fee_paid"]) == Decimal("660.00")
    [event] = await events(client, CLEARED)
    assert event["data"]["arrears_id"] == arrears["id"]
    assert event["data"]["credit_code"] == credit_code(1) and event["data"]["unit_code"] == VILLAGE
    assert Decimal(event["data"]["amount_paid"]) == Decimal("10660.00")
    again = await pay(client, arrears["id"], "1.00", "2025-10-11")
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM


async def test_paying_during_the_campaign_clears_with_the_late_fee_deferred(client):
    arrears = await assess(client)  # 50.00 payable on Jun 10, before the campaign
    body = (await pay(client, arrears["id"], "10000.00", "2025-07-15")).json()
    # Jul 15 is in the campaign: the 50.00 and 35 days × 5.00 are deferred, not due
    assert body["status"] == "cleared"
    assert amounts(body, "late_fee_deferred", "late_fee_payable", "amount_to_clear") == [
        Decimal("225.00"),
        Decimal("0.00"),
        Decimal("0"),
    ]
    assert body["deferred_until"] == "2025-09-30" and "deferred" in body["late_fee_reason"]
    [event] = await events(client, CLEARED)
    assert Decimal(event["data"]["amount_paid"]) == Decimal("10000.00")
    settled = (await pay(client, arrears["id"], "225.00", "2025-08-01")).json()
    assert Decimal(settled["late_fee_deferred"]) == 0 and settled["deferred_until"] is None
    assert Decimal(settled["late_fee_paid"]) == Decimal("225.00")
    assert len(await events(client, CLEARED)) == 1, "cleared once"


async def test_a_partial_payment_keeps_the_arrears_open(client):
    arrears = await assess(client)
    body = (await pay(client, arrears["id"], "4000.00", "2025-06-12")).json()
    assert body["status"] == "open"
    assert amounts(body, "outstanding", "late_fee_payable", "amount_to_clear") == [
        Decimal("6000.00"),
        Decimal("60.00"),
        Decimal("6060.00"),
    ]
    assert await events(client, CLEARED) == []


@pytest.mark.parametrize(
    ("body", "status", "pointer", "field"),
    [
        ({"amount": "0"}, 422, "#/body/amount", None),
        ({"amount": "1.001"}, 422, "#/body/amount", None),
        ({"amount": "10", "paid_on": "2025-06-09"}, 422, None, "paid_on"),  # before Jun 10
    ],
)
async def test_a_bad_payment_is_refused_and_changes_nothing(client, body, status, pointer, field):
    arrears = await assess(client)
    response = await client.post(
        f"/v1/arrears/{arrears['id']}/payments", json=body, headers=OFFICER
    )
    assert response.status_code == status and response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["errors"][0]["pointer"] if pointer else problem["field"]) == (pointer or field)
    listed = await client.get("/v1/arrears", params={"unit_code": VILLAGE}, headers=OFFICER)
    assert listed.json()[0]["paid"] == "0.00" and listed.json()[0]["late_fee_as_of"] == "2025-06-10"


@pytest.mark.parametrize(
    ("changes", "status", "where"),
    [
        ({"credit_code": "91320115MA00000010"}, 422, "#/body/credit_code"),
        ({"due": "-1"}, 422, "#/body/due"),
        ({"unit_code": "3201151010"}, 422, "#/body/unit_code"),
        ({"paid": "10000.00"}, 409, "paid"),
        ({"scheme_code": "nothing"}, 422, "scheme_code"),
        ({"scheme_code": "resident-medical-a", "year": 2027}, 422, "scheme_code"),  # no rules
    ],
)
async def test_a_bad_assessment_is_refused_and_writes_nothing(client, changes, status, where):
    response = await client.post("/v1/arrears", json=assessment(**changes), headers=OFFICER)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    named = problem["errors"][0]["pointer"] if "errors" in problem else problem["field"]
    assert named == where
    assert await count(client, EnterpriseArrears) == 0 and await count(client, outbox) == 0


async def test_the_same_enterprise_period_is_assessed_once(client):
    await assess(client)
    again = await client.post("/v1/arrears", json=assessment(), headers=OFFICER)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert again.json()["field"] == "period"
    assert await count(client, EnterpriseArrears) == 1 and len(await events(client, ASSESSED)) == 1


async def test_concurrent_assessments_give_one_201_and_409s(client):
    responses = await asyncio.gather(
        *(client.post("/v1/arrears", json=assessment(), headers=OFFICER) for _ in range(6))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    assert all(r.headers["content-type"] == PROBLEM for r in responses if r.status_code == 409)
    assert await count(client, EnterpriseArrears) == 1 and len(await events(client, ASSESSED)) == 1


async def test_an_assessment_racing_an_uncommitted_one_is_409_not_500(client):
    """Another transaction holds the same enterprise-period uncommitted while we assess."""
    row = {
        "id": uuid.UUID(int=170),
        "credit_code": credit_code(1),
        "unit_code": VILLAGE,
        "scheme_code": SCHEME,
        "year": YEAR,
        "period": "2025-05",
        "due": Decimal("1"),
        "paid": Decimal("0"),
        "due_date": date(2025, 5, 31),
        "late_fee_accrued": Decimal("0"),
        "late_fee_payable": Decimal("0"),
        "late_fee_deferred": Decimal("0"),
        "late_fee_as_of": date(2025, 5, 31),
        "late_fee_reason": "held by another transaction",
        "status": "open",
        "assessed_at": datetime(2025, 6, 1, tzinfo=UTC),
    }
    async with client.runtime.engine.connect() as other:
        held = await other.begin()
        await other.execute(insert(table_of(EnterpriseArrears)).values(**row))
        request = asyncio.create_task(
            client.post("/v1/arrears", json=assessment(), headers=OFFICER)
        )
        await eventually(lambda: _waiting_on_a_lock(client))
        await held.commit()
        response = await request
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM and response.json()["field"] == "period"
    assert await count(client, EnterpriseArrears) == 1 and await events(client, ASSESSED) == []


async def _waiting_on_a_lock(client) -> bool:
    async with client.runtime.engine.connect() as conn:
        waiting = await conn.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
    return bool(waiting)


async def test_only_district_and_town_officers_assess_in_their_jurisdiction(client):
    for headers in [
        bearer(["village_officer"], VILLAGE),
        bearer(["grid_member"], VILLAGE),
        bearer(["auditor"], "320115000000"),
        bearer(["town_officer"], OTHER_TOWN),
    ]:
        response = await client.post("/v1/arrears", json=assessment(), headers=headers)
        assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert await count(client, EnterpriseArrears) == 0 and await count(client, outbox) == 0


async def test_listing_and_paying_follow_the_jurisdiction(client):
    mine = await assess(client)
    theirs = await assess(
        client, headers=ADMIN, credit_code=credit_code(2), unit_code=OTHER_VILLAGE
    )
    listed = await client.get("/v1/arrears", params={"unit_code": TOWN}, headers=OFFICER)
    assert [a["id"] for a in listed.json()] == [mine["id"]]
    everything = await client.get(
        "/v1/arrears", params={"unit_code": "320115000000"}, headers=ADMIN
    )
    assert {a["id"] for a in everything.json()} == {mine["id"], theirs["id"]}
    village = bearer(["village_officer"], VILLAGE)
    assert (
        len(
            (await client.get("/v1/arrears", params={"unit_code": VILLAGE}, headers=village)).json()
        )
        == 1
    )
    outside = await client.get("/v1/arrears", params={"unit_code": OTHER_TOWN}, headers=OFFICER)
    assert outside.status_code == 403 and outside.headers["content-type"] == PROBLEM
    hidden = await pay(client, theirs["id"], "10.00", "2025-06-20")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM
    by_village = await pay(client, mine["id"], "10.00", "2025-06-20", headers=village)
    assert by_village.status_code == 403
    open_only = await client.get(
        "/v1/arrears", params={"unit_code": TOWN, "status": "cleared"}, headers=OFFICER
    )
    assert open_only.json() == []


async def test_arrears_list_by_enterprise_period_and_deferred_fee(client):
    may = await assess(client)
    june = await assess(client, period="2025-06", due_date="2025-06-30")
    other = await assess(client, credit_code=credit_code(2))
    assert (await pay(client, june["id"], "10000.00", "2025-07-15")).status_code == 200

    async def listed(**params: Any) -> set[str]:
        query = {"unit_code": TOWN} | params
        response = await client.get("/v1/arrears", params=query, headers=OFFICER)
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()}

    assert await listed(credit_code=credit_code(1)) == {may["id"], june["id"]}
    assert await listed(period="2025-05") == {may["id"], other["id"]}
    assert await listed(credit_code=credit_code(1), period="2025-05") == {may["id"]}
    # June was cleared in the campaign with its late fee deferred, not waived: still owed.
    assert await listed(deferred_fee="true") == {june["id"]}
    assert await listed(deferred_fee="false") == {may["id"], other["id"]}
    bad = await client.get(
        "/v1/arrears", params={"unit_code": TOWN, "credit_code": "x"}, headers=OFFICER
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "credit_code"


async def test_arrears_export_to_xlsx(client):
    await assess(client, paid="6000.00")
    params = {"unit_code": TOWN, "format": "xlsx"}
    response = await client.get("/v1/arrears", params=params, headers=OFFICER)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header == list(ArrearsRead.model_fields)
    outstanding = sheet.cell(row=2, column=header.index("outstanding") + 1)
    assert outstanding.value == 4000 and outstanding.number_format == "0.00"
    empty = await client.get(
        "/v1/arrears", params={"unit_code": OTHER_TOWN, "format": "xlsx"}, headers=ADMIN
    )
    rows = list(load_workbook(io.BytesIO(empty.content)).active.iter_rows(values_only=True))
    assert rows == [tuple(ArrearsRead.model_fields)]


@pytest.mark.parametrize(
    ("declared", "flagged", "shortfall", "rule"),
    [("3500.00", True, "500.00", "base.below_minimum"), ("4000.00", False, "0", "base.ok")],
)
async def test_a_declared_base_is_audited_and_nothing_is_written(
    client, declared, flagged, shortfall, rule
):
    body = {
        "credit_code": credit_code(1),
        "unit_code": VILLAGE,
        "scheme_code": SCHEME,
        "year": YEAR,
        "declared_base": declared,
    }
    response = await client.post("/v1/arrears/base-audits", json=body, headers=OFFICER)
    assert response.status_code == 200, response.text
    audit = response.json()
    assert audit["flagged"] is flagged and audit["rule_code"] == rule
    assert Decimal(audit["shortfall"]) == Decimal(shortfall)
    assert Decimal(audit["minimum_base"]) == Decimal("4000.00")
    assert await count(client, EnterpriseArrears) == 0 and await count(client, outbox) == 0


async def test_a_base_audit_needs_enterprise_rules_and_an_officer(client):
    body = {
        "credit_code": credit_code(1),
        "unit_code": VILLAGE,
        "scheme_code": "resident-medical-a",
        "year": 2027,
        "declared_base": "100.00",
    }
    response = await client.post("/v1/arrears/base-audits", json=body, headers=OFFICER)
    assert response.status_code == 422 and response.json()["code"] == "policy_invalid"
    assert response.json()["field"] == "scheme_code"
    village = bearer(["village_officer"], VILLAGE)
    body |= {"scheme_code": SCHEME, "year": YEAR}
    forbidden = await client.post("/v1/arrears/base-audits", json=body, headers=village)
    assert forbidden.status_code == 403 and forbidden.headers["content-type"] == PROBLEM
