"""Enrolling a person, listing and reading enrollments, and their audit trail.

Every refusal is a problem document and writes nothing: no enrollment, no audit row, no
event and no progress figure.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from services.demo import DISTRICT
from services.enrollment.enrollments.schemas import EnrollmentRead
from services.enrollment.models import Enrollment, EnrollmentTransition
from services.enrollment.targets.models import UnitProgress
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, SCHEME, YEAR, enroll, prepare_region, resident_id
from tests.support.enrollment_api import (
    CLERK,
    ENROLLED,
    FAR_VILLAGE,
    GRID_MEMBER,
    OTHER_CLERK,
    OTHER_VILLAGE,
    TOWN,
    TOWN_OFFICER,
    VILLAGE,
    enrollment,
    events,
    money,
    moves,
    pay,
    post_enrollment,
    problem,
    register,
    reverse,
    rows,
    sheet,
)

WINDOW_END = date(2026, 12, 31)


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


async def nothing_written(client: Any) -> None:
    assert await rows(client, Enrollment) == 0
    assert await rows(client, EnrollmentTransition) == 0
    assert await rows(client, UnitProgress) == 0
    assert await events(client, ENROLLED) == []


async def quoted_today(client: Any, n: int, **facts: Any) -> Decimal:
    """What the person owes if they enroll now: the quote at today's date."""
    body = {"resident_id": resident_id(n), "paid_at": datetime.now(UTC).isoformat()} | facts
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}/quote", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return money(response.json()["individual"]["amount"])


@pytest.mark.parametrize(
    ("facts", "category"),
    [({}, None), ({"tags": ["dibao"]}, "a1_assistance")],
)
async def test_a_village_officer_enrolls_an_eligible_person_with_the_due_quoted(
    client, facts, category
):
    person = await register(client, 1, headers=CLERK, **facts)
    response = await post_enrollment(client, person["id"], headers=CLERK)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "registered" and body["unit_code"] == VILLAGE
    assert body["tier"] == "standard" and body["subsidy_category"] == category
    assert money(body["due"]) == await quoted_today(client, 1, **facts)
    assert money(body["paid"]) == money(body["deposited"]) == 0
    assert body["settlement"] == "unpaid" and body["counted"] is False
    assert await enrollment(client, body["id"]) == body
    [event] = await events(client, ENROLLED)
    assert event["enrollment_id"] == body["id"] and event["state"] == "registered"
    assert await rows(client, Enrollment) == 1


async def test_an_ineligible_person_is_422_with_the_rule_and_nothing_is_written(client):
    person = await register(client, 1, in_employee_scheme=True)
    body = problem(await post_enrollment(client, person["id"]), 422, "ineligible.employee_scheme")
    assert body["field"] == "person_id"
    await nothing_written(client)


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"scheme_code": "no-such-scheme"}, 422, "scheme_unknown"),
        ({"year": 2031}, 422, "scheme_unknown"),
        ({"person_id": str(uuid.uuid4())}, 422, None),
        ({"tier": "gold"}, 422, "tier_unknown"),
        ({"year": 1999}, 422, None),
    ],
)
async def test_a_bad_enrollment_is_refused_and_writes_nothing(client, changes, status, code):
    person = await register(client, 1)
    problem(await post_enrollment(client, person["id"], **changes), status, code)
    await nothing_written(client)


async def test_enrolling_twice_is_409_and_changes_nothing(client):
    person = await register(client, 1)
    first = await post_enrollment(client, person["id"])
    assert first.status_code == 201, first.text
    body = problem(await post_enrollment(client, person["id"], headers=CLERK), 409)
    assert body["field"] == "person_id"
    assert await rows(client, Enrollment) == 1 and await rows(client, EnrollmentTransition) == 1
    assert len(await events(client, ENROLLED)) == 1
    assert await enrollment(client, first.json()["id"]) == first.json()


@pytest.mark.parametrize(
    "headers",
    [OTHER_CLERK, bearer(["town_officer"], "320115102000"), GRID_MEMBER],
    ids=["other-village", "other-town", "grid-member"],
)
async def test_only_an_officer_over_the_persons_village_may_enroll(client, headers):
    person = await register(client, 1)
    problem(await post_enrollment(client, person["id"], headers=headers), 403)
    await nothing_written(client)


async def test_the_list_filters_by_state_and_follows_the_jurisdiction(client):
    made = {n: await enroll(client, n, unit) for n, unit in enumerate(
        [VILLAGE, VILLAGE, OTHER_VILLAGE, FAR_VILLAGE]
    )}  # fmt: skip
    assert (await pay(client, 1)).status_code == 201

    async def listed(unit: str, headers: dict[str, str] = ADMIN, **params: Any) -> set[str]:
        query = {"unit_code": unit, "scheme_code": SCHEME, "year": YEAR} | params
        response = await client.get("/v1/enrollments", params=query, headers=headers)
        assert response.status_code == 200, response.text
        return {e["id"] for e in response.json()}

    ids = {n: e["id"] for n, e in made.items()}
    assert await listed(TOWN, TOWN_OFFICER) == {ids[0], ids[1], ids[2]}
    assert await listed(VILLAGE, CLERK) == {ids[0], ids[1]}
    assert await listed(VILLAGE, GRID_MEMBER, state="registered") == {ids[0]}
    assert await listed(TOWN, TOWN_OFFICER, state="paid") == {ids[1]}
    assert await listed("320115000000", state="registered") == {ids[0], ids[2], ids[3]}
    assert await listed(TOWN, year=YEAR + 1) == set()
    problem(
        await client.get(
            "/v1/enrollments",
            params={"unit_code": TOWN, "scheme_code": SCHEME, "year": YEAR},
            headers=CLERK,
        ),
        403,
    )
    for bad in ({"unit_code": "3201151010"}, {"unit_code": TOWN, "state": "lost"}):
        query = {"scheme_code": SCHEME, "year": YEAR} | bad
        response = await client.get("/v1/enrollments", params=query, headers=ADMIN)
        field = "state" if "state" in bad else "unit_code"
        assert problem(response, 422)["errors"][0]["pointer"] == f"#/query/{field}"


async def test_the_list_downloads_as_a_workbook(client):
    made = await enroll(client, 1)
    assert (await pay(client, 1)).status_code == 201
    query = {"unit_code": VILLAGE, "scheme_code": SCHEME, "year": YEAR, "format": "xlsx"}
    header, *lines = sheet(await client.get("/v1/enrollments", params=query, headers=CLERK))
    assert header == tuple(EnrollmentRead.model_fields)
    [line] = lines
    row = dict(zip(header, line, strict=True))
    assert (row["id"], row["state"], row["paid"]) == (made["id"], "paid", 320)


async def test_an_enrollment_outside_the_jurisdiction_does_not_exist(client):
    made = await enroll(client, 1)
    path = f"/v1/enrollments/{made['id']}"
    for headers in (CLERK, GRID_MEMBER, TOWN_OFFICER):
        assert (await client.get(path, headers=headers)).json()["id"] == made["id"]
    for headers in (OTHER_CLERK, bearer(["town_officer"], "320115102000")):
        problem(await client.get(path, headers=headers), 404)
        problem(await client.get(f"{path}/history", headers=headers), 404)
    problem(await client.get(f"/v1/enrollments/{uuid.uuid4()}", headers=ADMIN), 404)
    problem(await client.get(f"/v1/enrollments/{uuid.uuid4()}/history", headers=ADMIN), 404)


async def test_the_history_follows_registration_payment_and_reversal(client):
    made = await enroll(client, 1)
    assert (await pay(client, 1)).status_code == 201
    assert (await enrollment(client, made["id"]))["state"] == "paid"
    assert (await reverse(client, "R00001")).status_code == 201

    response = await client.get(f"/v1/enrollments/{made['id']}/history", headers=CLERK)
    assert response.status_code == 200, response.text
    trail = response.json()
    expected = [
        ("register", "prospect", "registered"),
        ("complete_payment", "registered", "paid"),
        ("reverse_payment", "paid", "registered"),
    ]
    # The reversal is dated inside the window: whatever today is, no arrears follow.
    assert [(t["action"], t["from_state"], t["to_state"]) for t in trail] == expected
    assert all(t["actor"] and t["at"] for t in trail)
    assert [t["at"] for t in trail] == sorted(t["at"] for t in trail)
    assert await moves(client, made["id"]) == [(f, t) for _, f, t in expected[1:]]
    [paid] = await events(client, "gridgov.enrollment.payment.recorded.v1")
    [undone] = await events(client, "gridgov.enrollment.payment.reversed.v1")
    assert (undone["payment_id"], undone["original_partner_txn_id"]) == (
        paid["payment_id"],
        "R00001",
    )
    assert (undone["partner_txn_id"], undone["amount"], undone["reopens_person"]) == (
        "REV-R00001",
        "320.00",
        True,
    )
    assert undone["enrollment_id"] == made["id"]
    after = await enrollment(client, made["id"])
    assert after["state"] == expected[-1][2] and after["counted"] is False
    assert money(after["paid"]) == 0 and after["settlement"] == "unpaid"
