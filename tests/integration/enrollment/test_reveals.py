"""Personal data shown on purpose: ID numbers masked for every role, revealed with a reason.

Every response and export of the persons and enrollments routes is scanned for a whole
18-character resident ID number; the only one allowed is the answer of a reveal, and each
reveal is recorded and listed to the auditor.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from libs.common.identifiers import resident_id_check_char
from services.demo import DISTRICT
from services.enrollment.persons.schemas import RevealRecord
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, SCHEME, YEAR, prepare_region, resident_id, roster

TOWN, VILLAGE, OTHER_VILLAGE = "320115101000", "320115101001", "320115101002"
WHOLE_ID = re.compile(
    r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"[0-9]{3}[0-9Xx](?![0-9])"
)
"""An 18-character resident ID number as it would leak: area, birth date, sequence, check."""
ROLES = {
    "village_officer": VILLAGE,
    "auditor": DISTRICT,
    "district_admin": DISTRICT,
    "town_officer": TOWN,
    "grid_member": VILLAGE,
}
CLERK = bearer(["village_officer"], VILLAGE, subject="clerk-1")
AUDITOR = bearer(["auditor"], DISTRICT, subject="auditor-1")
PROBLEM = "application/problem+json"


@pytest.fixture
async def client(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    return client


def text_of(response: Any) -> str:
    """A response as text: JSON as sent, a workbook as every cell of every sheet."""
    if response.headers.get("content-type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return str(response.text)


def whole_ids(response: Any) -> list[str]:
    """The whole ID numbers in an answer: valid ones only (check character and all), so that
    a run of digits in a random request id is not taken for one."""
    found = WHOLE_ID.findall(text_of(response))
    return [n for n in found if resident_id_check_char(n[:17]) == n[17].upper()]


async def person(client: Any, n: int, headers: dict[str, str] = CLERK, **fields: Any) -> Any:
    body = {"resident_id": resident_id(n), "name": f"居民{n}", "unit_code": VILLAGE} | fields
    return await client.post("/v1/persons", json=body, headers=headers)


async def reveal(client: Any, person_id: str, headers: dict[str, str], **body: Any) -> Any:
    return await client.post(f"/v1/persons/{person_id}/reveal", json=body, headers=headers)


@pytest.mark.parametrize("role", list(ROLES))
async def test_no_persons_or_enrollments_route_answers_a_whole_id(client, role):
    headers = bearer([role], ROLES[role])
    household = await client.post(
        "/v1/households", json={"unit_code": VILLAGE, "number": "H-1"}, headers=CLERK
    )
    created = await person(client, 1, household_id=household.json()["id"], unit_code=None)
    pid = created.json()["id"]
    enrolled = await client.post(
        "/v1/enrollments",
        json={"person_id": pid, "scheme_code": SCHEME, "year": YEAR},
        headers=CLERK,
    )
    eid = enrolled.json()["id"]
    in_village = {"unit_code": VILLAGE}
    search = {"resident_id": resident_id(1)}
    listing = in_village | {"scheme_code": SCHEME, "year": YEAR}
    bad_line = b"resident_id,name,unit_code\n320115198001010019,bad,320115101001\n"
    responses = [
        created,
        enrolled,
        await person(client, 2, headers),  # this role's own registration (or its refusal)
        await person(client, 1, headers),  # a repeat: 409
        await client.get(f"/v1/persons/{pid}", headers=headers),
        await client.post("/v1/persons/search", json=search, headers=headers),
        await client.get("/v1/persons", params=in_village, headers=headers),
        await client.get("/v1/persons", params=in_village | {"format": "xlsx"}, headers=headers),
        await client.get(f"/v1/households/{household.json()['id']}", headers=headers),
        await client.patch(f"/v1/persons/{pid}", json={"name": "张三"}, headers=headers),
        await client.get("/v1/enrollments", params=listing, headers=headers),
        await client.get("/v1/enrollments", params=listing | {"format": "xlsx"}, headers=headers),
        await client.get(f"/v1/enrollments/{eid}", headers=headers),
        await client.get(f"/v1/enrollments/{eid}/history", headers=headers),
        await client.post(
            f"/v1/enrollments/{eid}/transitions",
            json={"action": "flag_duplicate", "reason": "insured elsewhere"},
            headers=headers,
        ),
        await client.post(
            f"/v1/rosters/{SCHEME}/{YEAR}",
            content=roster([(3, VILLAGE)]) + bad_line.split(b"\n", 1)[1],
            headers=headers | {"Content-Type": "text/csv"},
        ),
        await client.get(
            f"/v1/public-list/{SCHEME}/{YEAR}", params={"unit_code": VILLAGE}, headers=headers
        ),
    ]  # fmt: skip
    assert created.status_code == 201 and enrolled.status_code == 201, enrolled.text
    assert {r.status_code for r in responses} - {200, 201, 403, 404, 409, 422} == set()
    assert sum(r.status_code in (200, 201) for r in responses) >= 8
    for response in responses:
        assert whole_ids(response) == [], (response.request.url, response.text[:300])
    # The scan finds a whole number where there is one: the answer of a reveal.
    shown = await reveal(client, pid, CLERK, reason="上门收缴核对")
    assert whole_ids(shown) == [resident_id(1)]


@pytest.mark.parametrize(("role", "unit"), [("village_officer", VILLAGE), ("auditor", DISTRICT)])
async def test_a_reveal_answers_the_whole_number_and_is_recorded(client, role, unit):
    pid = (await person(client, 1)).json()["id"]
    headers = bearer([role], unit, subject=f"{role}-7")
    before = datetime.now(UTC) - timedelta(seconds=5)
    shown = await client.post(
        f"/v1/persons/{pid}/reveal",
        json={"reason": "  核对税务回单  "},
        headers=headers | {"X-Request-ID": "req-reveal-1"},
    )
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["resident_id"] == resident_id(1) and body["person_id"] == pid
    listed = await client.get("/v1/reveals", params={"unit_code": DISTRICT}, headers=AUDITOR)
    assert listed.status_code == 200, listed.text
    [record] = listed.json()
    assert record["id"] == body["reveal_id"] and record["person_id"] == pid
    assert record["actor"] == f"{role}-7" and record["role"] == role
    assert record["reason"] == "核对税务回单" and record["unit_code"] == VILLAGE
    assert record["request_id"] == "req-reveal-1"
    assert datetime.fromisoformat(record["at"]) >= before


async def test_the_auditor_lists_reveals_by_subtree_and_time_paged_and_as_xlsx(client):
    first = (await person(client, 1)).json()["id"]
    other = (await person(client, 2, ADMIN, unit_code=OTHER_VILLAGE)).json()["id"]
    assert (await reveal(client, first, CLERK, reason="first")).status_code == 200
    middle = datetime.now(UTC)
    assert (await reveal(client, other, AUDITOR, reason="second")).status_code == 200
    assert (await reveal(client, first, AUDITOR, reason="third")).status_code == 200

    async def reasons(**params: Any) -> list[str]:
        response = await client.get("/v1/reveals", params=params, headers=AUDITOR)
        assert response.status_code == 200, response.text
        return [r["reason"] for r in response.json()]

    assert await reasons(unit_code=DISTRICT) == ["third", "second", "first"]
    assert await reasons(unit_code=VILLAGE) == ["third", "first"]
    assert await reasons(unit_code=OTHER_VILLAGE) == ["second"]
    assert await reasons(unit_code=DISTRICT, since=middle.isoformat()) == ["third", "second"]
    assert await reasons(unit_code=DISTRICT, until=middle.isoformat()) == ["first"]
    assert await reasons(unit_code=DISTRICT, limit=1, offset=1) == ["second"]
    sheet = await client.get(
        "/v1/reveals", params={"unit_code": DISTRICT, "format": "xlsx"}, headers=AUDITOR
    )
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(RevealRecord.model_fields) and len(rows) == 4
    assert whole_ids(sheet) == []


@pytest.mark.parametrize("role", ["district_admin", "town_officer", "grid_member"])
async def test_only_the_auditor_lists_reveals(client, role):
    response = await client.get(
        "/v1/reveals", params={"unit_code": ROLES[role]}, headers=bearer([role], ROLES[role])
    )
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    elsewhere = bearer(["auditor"], "320116000000")
    outside = await client.get("/v1/reveals", params={"unit_code": DISTRICT}, headers=elsewhere)
    assert outside.status_code == 403


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}, {"reason": "x" * 501},
                                  {"reason": "a\x00b"}, {"reason": "two\nlines"}])  # fmt: skip
async def test_a_reveal_without_a_reason_is_422_and_records_nothing(client, body):
    pid = (await person(client, 1)).json()["id"]
    response = await client.post(f"/v1/persons/{pid}/reveal", json=body, headers=CLERK)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["pointer"].startswith("#/body")
    assert whole_ids(response) == []
    listed = await client.get("/v1/reveals", params={"unit_code": DISTRICT}, headers=AUDITOR)
    assert listed.json() == []


@pytest.mark.parametrize("role", ["district_admin", "town_officer", "grid_member"])
async def test_a_role_not_allowed_to_reveal_is_403_and_records_nothing(client, role):
    pid = (await person(client, 1)).json()["id"]
    response = await reveal(client, pid, bearer([role], ROLES[role]), reason="curious")
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert whole_ids(response) == []
    listed = await client.get("/v1/reveals", params={"unit_code": DISTRICT}, headers=AUDITOR)
    assert listed.json() == []


async def test_a_person_outside_the_jurisdiction_cannot_be_revealed(client):
    pid = (await person(client, 1)).json()["id"]
    other = bearer(["village_officer"], OTHER_VILLAGE)
    response = await reveal(client, pid, other, reason="neighbour")
    assert response.status_code == 404 and whole_ids(response) == []
    unknown = await reveal(client, "00000000-0000-0000-0000-000000000001", CLERK, reason="x1")
    assert unknown.status_code == 404
