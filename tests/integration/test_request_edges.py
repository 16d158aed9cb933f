"""What the fuzzer found reaching the database or a header unchecked: integers above 2^31,
a NUL in any text, and download names built from the request. Each is refused (422) or
answered at the edge, never a 500 or a dropped connection."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from libs.common.bounds import NUL_REFUSED
from services.demo import DISTRICT
from tests.conftest import bearer
from tests.integration.scoring.helpers import medical_campaign
from tests.support.enrollment import ADMIN, VILLAGE, prepare_region, resident_id

SERVICE = bearer(["service"], DISTRICT, subject="scoring")
HUGE = 2**31


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def enrollment(client_for: Any) -> Any:
    return await client_for("enrollment")


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("POST", f"/v1/schemes/resident-medical-a/years/{HUGE}/close-window", {}),
        ("GET", f"/v1/regions/320115000000/schemes/resident-medical-a/years/{HUGE}", {}),
        ("GET", f"/v1/targets/resident-medical-a/{HUGE}", {"unit_code": VILLAGE}),
        ("GET", "/v1/enrollments", {"unit_code": VILLAGE, "scheme_code": "x", "year": HUGE}),
        ("GET", "/v1/persons", {"unit_code": VILLAGE, "offset": 2**40}),
        ("GET", "/internal/outbox", {"after": 2**70}),
        ("GET", f"/v1/targets/{'s' * 65}/2027", {"unit_code": VILLAGE}),
    ],
)
async def test_an_integer_beyond_its_bound_is_422(
    enrollment: Any, method: str, path: str, params: dict[str, Any]
) -> None:
    headers = SERVICE if path.startswith("/internal/") else ADMIN
    response = await enrollment.request(method, path, params=params, headers=headers)
    assert problem(response, 422)["type"].endswith("/validation-error")


async def test_a_ranking_offset_beyond_its_bound_is_422(client_for: Any) -> None:
    scoring = await client_for("scoring")
    created = await scoring.post("/v1/campaigns", json=medical_campaign(), headers=ADMIN)
    assert created.status_code == 201, created.text
    path = "/v1/campaigns/rm-2027/pools/villages/ranking"
    assert (await scoring.get(path, params={"offset": 0}, headers=ADMIN)).status_code == 200
    problem(await scoring.get(path, params={"offset": 2**40}, headers=ADMIN), 422)


async def test_a_nul_anywhere_in_a_request_is_422(enrollment: Any) -> None:
    body = {"name": "秣陵\u0000社区"}
    refused = problem(await enrollment.put(f"/v1/units/{VILLAGE}", json=body, headers=ADMIN), 422)
    assert refused["detail"] == NUL_REFUSED
    query = {"unit_code": VILLAGE, "scheme_code": "a\x00b", "year": 2027}
    problem(await enrollment.get("/v1/enrollments", params=query, headers=ADMIN), 422)
    problem(await enrollment.get("/v1/households/a%00b", headers=ADMIN), 422)
    # A backslash followed by "u0000" is text, not a NUL: the unit is named with it.
    named = await enrollment.put(
        f"/v1/units/{VILLAGE}", json={"name": "秣陵\\u0000社区"}, headers=ADMIN
    )
    assert named.status_code == 200, named.text
    assert named.json()["name"] == "秣陵\\u0000社区"


@pytest.mark.parametrize(
    ("scheme", "utf8_name", "ascii_name"),
    [
        ("医保", "enrollments-医保-2027-320115101001.xlsx", "enrollments-_-2027-320115101001.xlsx"),
        (
            "a\x01b",
            "enrollments-ab-2027-320115101001.xlsx",
            "enrollments-ab-2027-320115101001.xlsx",
        ),
        (
            'x";y',
            'enrollments-x";y-2027-320115101001.xlsx',
            "enrollments-x_y-2027-320115101001.xlsx",
        ),
    ],
)
async def test_a_download_named_from_the_request_is_named_the_rfc_6266_way(
    enrollment: Any, scheme: str, utf8_name: str, ascii_name: str
) -> None:
    await prepare_region(enrollment)
    query = {"unit_code": VILLAGE, "scheme_code": scheme, "year": 2027, "format": "xlsx"}
    response = await enrollment.get("/v1/enrollments", params=query, headers=ADMIN)
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    kind, fallback, extended = disposition.split("; ")
    assert kind == "attachment"
    assert fallback == f'filename="{ascii_name}"'
    assert extended.startswith("filename*=UTF-8''")
    assert unquote(extended.removeprefix("filename*=UTF-8''")) == utf8_name
    assert disposition.isascii() and disposition.isprintable()


async def test_a_search_for_an_unknown_number_is_the_404_its_openapi_documents(
    enrollment: Any,
) -> None:

    body = {"resident_id": resident_id(7)}
    response = await enrollment.post("/v1/persons/search", json=body, headers=ADMIN)
    problem(response, 404)
    document = (await enrollment.get("/v1/openapi.json")).json()
    answers = document["paths"]["/v1/persons/search"]["post"]["responses"]
    assert "application/problem+json" in answers["404"]["content"]
