"""Persons and households: ID validation, encryption at rest, masking by role, jurisdiction."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text

from libs.common.identifiers import resident_id_check_char
from services.demo import DISTRICT
from services.enrollment.models import Household, Person
from services.enrollment.persons.schemas import PersonRead
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, prepare_region, resident_id

PROBLEM = "application/problem+json"
TOWN, VILLAGE, OTHER_VILLAGE = "320115101000", "320115101001", "320115101002"
CLERK = bearer(["village_officer"], VILLAGE)
NUMBER = resident_id(1)
MASKED = NUMBER[:4] + "*" * 10 + NUMBER[14:]


async def count(client, model) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)))


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


async def register(client, number: str = NUMBER, headers=CLERK, **fields):
    body = {"resident_id": number, "name": "张三", "unit_code": VILLAGE} | fields
    return await client.post("/v1/persons", json=body, headers=headers)


async def registered(client, number: str = NUMBER, **fields) -> dict:
    response = await register(client, number, **fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def bad_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


async def test_a_village_officer_registers_a_person(client):
    body = await registered(client, tags=["dibao"], contribution_years=7)
    assert body["resident_id"] == MASKED and body["resident_id_masked"] is True
    assert body["unit_code"] == VILLAGE and body["birth_date"] == "1980-01-01"
    assert body["sex"] == "male" and body["tags"] == ["dibao"]
    assert body["contribution_years"] == 7
    read = await client.get(f"/v1/persons/{body['id']}", headers=CLERK)
    assert read.json()["contribution_years"] == 7


@pytest.mark.parametrize(
    "number",
    [
        bad_check(NUMBER),  # wrong check digit
        with_check("32011519800230001"),  # 30 February
        with_check("32011519801301001"),  # month 13
        with_check("32011520990101001"),  # born in 2099: in the future
        NUMBER[:17],  # too short
        NUMBER[:17] + "Y",
    ],
)
async def test_a_bad_resident_id_is_422_with_a_pointer_and_writes_nothing(client, number):
    response = await register(client, number)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [(e["pointer"], e["field"]) for e in errors] == [("#/body/resident_id", "resident_id")]
    assert "resident_id" in response.json()["detail"]
    assert await count(client, Person) == 0


async def test_a_tag_outside_the_identity_categories_is_422_and_writes_nothing(client):
    response = await register(client, tags=["dibao", "dibao "])  # a stray space
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    errors = response.json()["errors"]
    assert [(e["pointer"], e["field"]) for e in errors] == [("#/body/tags/1", "tags.1")]
    assert "'dibao ' is not an identity tag" in errors[0]["detail"]
    assert await count(client, Person) == 0
    assert (await registered(client, tags=["dibao"]))["tags"] == ["dibao"]


async def test_the_identity_categories_are_listed_with_their_names(client):
    response = await client.get("/v1/identity-tags", headers=CLERK)
    assert response.status_code == 200, response.text
    names = {tag["code"]: tag["name"] for tag in response.json()}
    assert names["dibao"] == "低保对象" and names["heroic_dependant"].startswith("见义勇为")
    assert (await client.get("/v1/identity-tags")).status_code == 401


async def test_the_number_is_stored_encrypted_and_found_by_search(client):
    body = await registered(client)
    async with client.runtime.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT person::text FROM person"))).scalars().all()
    assert len(rows) == 1
    assert NUMBER not in rows[0] and NUMBER[:17] not in rows[0]
    found = await client.post("/v1/persons/search", json={"resident_id": NUMBER}, headers=CLERK)
    assert found.status_code == 200 and found.json()["id"] == body["id"]


async def test_search_accepts_a_lower_case_x_and_404s_an_unknown_number(client):
    number = next(resident_id(n) for n in range(100) if resident_id(n).endswith("X"))
    person = await registered(client, number)
    lower = await client.post(
        "/v1/persons/search", json={"resident_id": number.lower()}, headers=CLERK
    )
    assert lower.status_code == 200 and lower.json()["id"] == person["id"]
    assert lower.json()["resident_id"] == number[:4] + "*" * 10 + number[14:]
    unknown = await client.post(
        "/v1/persons/search", json={"resident_id": resident_id(999)}, headers=CLERK
    )
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("role", "unit"),
    [
        ("village_officer", VILLAGE),
        ("auditor", DISTRICT),
        ("town_officer", TOWN),
        ("grid_member", VILLAGE),
        ("district_admin", DISTRICT),
    ],
)
async def test_the_number_is_masked_for_every_role(client, role, unit):
    person = await registered(client)
    headers = bearer([role], unit)
    for response in [
        await client.get(f"/v1/persons/{person['id']}", headers=headers),
        await client.post("/v1/persons/search", json={"resident_id": NUMBER}, headers=headers),
        await client.get("/v1/persons", params={"unit_code": VILLAGE}, headers=headers),
    ]:
        assert response.status_code == 200, response.text
        body = response.json()
        read = body[0] if isinstance(body, list) else body
        assert read["resident_id"] == MASKED and read["resident_id_masked"] is True


async def test_an_officer_of_another_village_cannot_see_the_person(client):
    person = await registered(client)
    other = bearer(["village_officer"], OTHER_VILLAGE)
    response = await client.get(f"/v1/persons/{person['id']}", headers=other)
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    search = await client.post("/v1/persons/search", json={"resident_id": NUMBER}, headers=other)
    assert search.status_code == 404
    listing = await client.get("/v1/persons", params={"unit_code": VILLAGE}, headers=other)
    assert listing.status_code == 403 and listing.headers["content-type"] == PROBLEM
    own = await client.get("/v1/persons", params={"unit_code": OTHER_VILLAGE}, headers=other)
    assert own.status_code == 200 and own.json() == []


async def test_a_village_officer_cannot_register_in_another_village(client):
    response = await register(client, headers=bearer(["village_officer"], OTHER_VILLAGE))
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert await count(client, Person) == 0


async def test_a_grid_member_cannot_register(client):
    response = await register(client, headers=bearer(["grid_member"], VILLAGE))
    assert response.status_code == 403
    assert await count(client, Person) == 0


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"unit_code": None}, "unit_code", None),
        ({"unit_code": TOWN}, "unit_code", "unit_not_village"),
        ({"unit_code": "320115109001"}, "unit_code", "unit_unknown"),
        ({"unit_code": None, "household_id": "00000000-0000-0000-0000-000000000001"},
         "household_id", None),
    ],
)  # fmt: skip
async def test_a_person_needs_a_known_village_or_household(client, fields, field, code):
    response = await register(client, headers=ADMIN, **fields)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == field
    assert response.json().get("code") == code
    assert await count(client, Person) == 0


async def test_a_number_is_registered_once(client):
    await registered(client)
    again = await register(client, name="李四", unit_code=OTHER_VILLAGE, headers=ADMIN)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert again.json()["field"] == "resident_id"
    assert await count(client, Person) == 1


async def test_negative_contribution_years_are_refused(client):
    response = await register(client, contribution_years=-1)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/contribution_years"
    assert await count(client, Person) == 0


async def test_a_household_groups_its_members(client):
    created = await client.post(
        "/v1/households", json={"unit_code": VILLAGE, "number": "H-001"}, headers=CLERK
    )
    assert created.status_code == 201, created.text
    household = created.json()["id"]
    first = await registered(client, resident_id(1), unit_code=None, household_id=household)
    second = await registered(client, resident_id(2), unit_code=None, household_id=household)
    await registered(client, resident_id(3))  # same village, no household
    assert first["unit_code"] == VILLAGE and first["household_id"] == household
    read = await client.get(f"/v1/households/{household}", headers=bearer(["town_officer"], TOWN))
    assert read.status_code == 200
    members = read.json()["members"]
    assert [m["id"] for m in members] == [first["id"], second["id"]]
    assert all(m["resident_id_masked"] for m in members)
    other = bearer(["village_officer"], OTHER_VILLAGE)
    hidden = await client.get(f"/v1/households/{household}", headers=other)
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM


async def test_a_household_number_is_unique_in_its_village(client):
    body = {"unit_code": VILLAGE, "number": "H-001"}
    assert (await client.post("/v1/households", json=body, headers=CLERK)).status_code == 201
    again = await client.post("/v1/households", json=body, headers=CLERK)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    elsewhere = await client.post(
        "/v1/households", json=body | {"unit_code": OTHER_VILLAGE}, headers=ADMIN
    )
    assert elsewhere.status_code == 201
    assert await count(client, Household) == 2


async def test_a_household_outside_the_jurisdiction_is_403(client):
    body = {"unit_code": OTHER_VILLAGE, "number": "H-9"}
    response = await client.post("/v1/households", json=body, headers=CLERK)
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert await count(client, Household) == 0


def workbook_rows(response) -> list[tuple]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("role", "unit", "shown"),
    [("town_officer", TOWN, MASKED), ("village_officer", VILLAGE, MASKED)],
)
async def test_persons_export_to_xlsx_masked_as_in_json(client, role, unit, shown):
    await registered(client, tags=["dibao", "orphan"])
    params = {"unit_code": VILLAGE, "format": "xlsx"}
    rows = workbook_rows(
        await client.get("/v1/persons", params=params, headers=bearer([role], unit))
    )
    header = list(PersonRead.model_fields)
    assert rows[0] == tuple(header)
    assert len(rows) == 2
    record = dict(zip(header, rows[1], strict=True))
    assert record["resident_id"] == shown and record["name"] == "张三"
    assert record["tags"] == "dibao, orphan" and record["birth_date"].date() == date(1980, 1, 1)


async def test_an_empty_persons_export_keeps_its_header(client):
    params = {"unit_code": OTHER_VILLAGE, "format": "xlsx"}
    rows = workbook_rows(await client.get("/v1/persons", params=params, headers=ADMIN))
    assert rows == [tuple(PersonRead.model_fields)]
