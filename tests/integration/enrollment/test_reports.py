"""Reports through the API: progress, the circular (通报), the village public list (公示) and
statistics, each as JSON and as an .xlsx download, within the caller's jurisdiction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.enrollment.targets.schemas import CircularRow, ProgressRow, PublicListRow, ShareRow
from tests.support.enrollment import (
    ADMIN,
    COLLECTION_YEAR,
    SCHEME,
    TEMPLATE,
    YEAR,
    enroll,
    prepare_region,
    resident_id,
)
from tests.support.enrollment_api import (
    CLERK,
    DISTRICT,
    GRID_MEMBER,
    OTHER_CLERK,
    OTHER_TOWN,
    OTHER_VILLAGE,
    TOWN,
    TOWN_OFFICER,
    VILLAGE,
    money,
    pay,
    post_enrollment,
    problem,
    register,
    sheet,
)

THIRD_TOWN = "320115103000"
REPORTS = ("progress", "circulars", "public-list", "statistics")


@pytest.fixture
async def client(client_for):
    """Variant A for 2027 with a target of 98 % of the task."""
    client = await client_for("enrollment")
    await prepare_region(client)
    body = {
        "template": TEMPLATE,
        "collection_year": COLLECTION_YEAR,
        "overrides": {"target": {"enrollment_rate": "0.98"}},
    }
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return client


async def report(client: Any, name: str, unit: str, headers=ADMIN, **params: Any) -> Any:
    return await client.get(
        f"/v1/{name}/{SCHEME}/{YEAR}", params={"unit_code": unit} | params, headers=headers
    )


async def towns_at_50_50_and_100(client: Any) -> None:
    """Tasks 2 / 4 / 1 for the three towns; 1, 2 and 1 persons completed."""
    for town, task in ((TOWN, 2), (OTHER_TOWN, 4), (THIRD_TOWN, 1)):
        response = await client.put(
            f"/v1/targets/{SCHEME}/{YEAR}/{town}", json={"task": task}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
    people = [(1, VILLAGE), (2, VILLAGE), (3, "320115102001"), (4, "320115102001")]
    people += [(5, "320115102002"), (6, "320115103001")]
    for n, unit in people:
        await enroll(client, n, unit)
    for n, unit in ((1, VILLAGE), (3, "320115102001"), (5, "320115102002"), (6, "320115103001")):
        assert (await pay(client, n, unit=unit)).status_code == 201


def numeric(cells: tuple[Any, ...], header: tuple[Any, ...], *names: str) -> list[Decimal]:
    """The named cells, which must be numbers (not text), as exact decimals."""
    values = [cells[header.index(name)] for name in names]
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in values), values
    return [Decimal(str(v)) for v in values]


async def test_the_progress_report_rolls_up_and_downloads(client):
    await towns_at_50_50_and_100(client)
    response = await report(client, "progress", TOWN, TOWN_OFFICER)
    assert response.status_code == 200, response.text
    rows = {r["unit_code"]: r for r in response.json()["rows"]}
    assert set(rows) == {TOWN, VILLAGE}
    town = rows[TOWN]
    assert (money(town["task"]), money(town["done"]), money(town["percent"])) == (2, 1, 50)
    assert town["meets_target"] is False and town["unit_name"] == "秣陵街道"
    assert money(rows[VILLAGE]["deposited_amount"]) == money("320.00")

    table = sheet(await report(client, "progress", TOWN, TOWN_OFFICER, format="xlsx"))
    header = table[0]
    assert header == tuple(ProgressRow.model_fields)
    assert [r[header.index("unit_code")] for r in table[1:]] == [TOWN, VILLAGE]
    assert numeric(table[1], header, "task", "done", "deposited_amount") == [2, 1, 320]


async def test_the_weekly_circular_ranks_by_rate_then_code_and_names_who_must_explain(client):
    await towns_at_50_50_and_100(client)
    response = await report(client, "circulars", DISTRICT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == "weekly" and money(body["target_rate"]) == money("0.98")
    assert [
        (r["rank"], r["unit_code"], money(r["percent"]), r["must_explain"]) for r in body["rows"]
    ] == [
        (1, THIRD_TOWN, 100, False),
        (2, TOWN, 50, True),  # 1 of 2: ties with 2 of 4, the lower code first
        (3, OTHER_TOWN, 50, True),
    ]
    assert [r["completed_in_period"] for r in body["rows"]] == [1, 1, 2]

    table = sheet(await report(client, "circulars", DISTRICT, format="xlsx", period="monthly"))
    header = table[0]
    assert header == tuple(CircularRow.model_fields)
    assert [r[header.index("unit_code")] for r in table[1:]] == [THIRD_TOWN, TOWN, OTHER_TOWN]
    assert [r[header.index("rank")] for r in table[1:]] == [1, 2, 3]
    assert numeric(table[3], header, "task", "done", "deposited_amount") == [4, 2, 640]
    problem(await report(client, "circulars", DISTRICT, period="daily"), 422)


async def test_the_public_list_masks_names_and_id_numbers(client):
    named = {1: "张小三", 2: "李四", 3: "欧阳娜娜"}
    for n, name in named.items():
        person = await register(client, n, name=name, headers=CLERK)
        assert (await post_enrollment(client, person["id"], headers=CLERK)).status_code == 201
    await enroll(client, 4, OTHER_VILLAGE)
    assert (await pay(client, 1)).status_code == 201

    response = await report(client, "public-list", VILLAGE, CLERK)
    assert response.status_code == 200, response.text
    listed = {r["name"]: r for r in response.json()}
    assert set(listed) == {"张*三", "李*", "欧**娜"}
    number = resident_id(1)
    assert listed["张*三"]["resident_id"] == number[:4] + "*" * 10 + number[14:]
    assert (listed["张*三"]["state"], money(listed["张*三"]["paid"])) == ("paid", 320)
    assert listed["李*"]["state"] == "registered" and money(listed["李*"]["paid"]) == 0

    table = sheet(await report(client, "public-list", VILLAGE, GRID_MEMBER, format="xlsx"))
    header = table[0]
    assert header == tuple(PublicListRow.model_fields) and len(table) == 4
    assert {r[header.index("name")] for r in table[1:]} == set(listed)
    assert not any(resident_id(n) in str(r) for r in table for n in named)
    paid = next(r for r in table[1:] if r[header.index("name")] == "张*三")
    assert numeric(paid, header, "due", "paid") == [320, 320]
    body = problem(await report(client, "public-list", TOWN, TOWN_OFFICER), 422)
    assert body["field"] == "unit_code"


async def test_statistics_give_truncated_shares(client):
    for n in (1, 2):
        await enroll(client, n)
    person = await register(client, 3, tags=["dibao"])
    assert (await post_enrollment(client, person["id"])).status_code == 201
    assert (await pay(client, 1)).status_code == 201

    response = await report(client, "statistics", VILLAGE, GRID_MEMBER)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3 and body["rounding"].startswith("truncate")
    shares = {(r["group"], r["value"]): (r["count"], money(r["percent"])) for r in body["rows"]}
    one, two = Decimal("33.3"), Decimal("66.6")  # 1/3 and 2/3, truncated (never 66.7)
    assert shares == {
        ("state", "paid"): (1, one),
        ("state", "registered"): (2, two),
        ("subsidy_category", "a1_assistance"): (1, one),
        ("subsidy_category", "none"): (2, two),
        ("counted", "yes"): (1, one),
        ("counted", "no"): (2, two),
    }

    table = sheet(await report(client, "statistics", VILLAGE, format="xlsx"))
    header = table[0]
    assert header == tuple(ShareRow.model_fields) and len(table) == 1 + len(shares)
    assert all(numeric(r, header, "count", "percent") for r in table[1:])
    empty = sheet(await report(client, "statistics", "320115103002", format="xlsx"))
    assert empty == [tuple(ShareRow.model_fields)]


@pytest.mark.parametrize("name", REPORTS)
async def test_a_village_officer_cannot_read_another_villages_report(client, name):
    await enroll(client, 1)
    problem(await report(client, name, VILLAGE, OTHER_CLERK), 403)
    problem(await report(client, name, VILLAGE, OTHER_CLERK, format="xlsx"), 403)
    problem(await report(client, name, TOWN, CLERK), 403)


@pytest.mark.parametrize("name", REPORTS)
async def test_a_report_of_a_scheme_not_offered_is_422(client, name):
    response = await client.get(
        f"/v1/{name}/no-such-scheme/{YEAR}", params={"unit_code": VILLAGE}, headers=ADMIN
    )
    problem(response, 422, "scheme_unknown")
