"""Scheme-years belong to a region (DOMAIN §1: per region and year).

Two districts offer the same scheme for the same year under different policies: each
district's admins edit only their own, and a person's enrollment, quote and payments follow
the scheme-year of the district covering their village.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.demo import DISTRICT
from services.enrollment.models import SchemeYear
from tests.conftest import bearer, signed
from tests.support.enrollment import (
    ADMIN,
    SCHEME,
    YEAR,
    notice,
    prepare_region,
    resident_id,
)
from tests.support.enrollment_api import problem

OTHER = "320116000000"
OTHER_TOWN, OTHER_VILLAGE = "320116101000", "320116101001"
OTHER_ADMIN = bearer(["district_admin"], OTHER)
VARIANT_B = {"template": "resident_medical/variant-b", "collection_year": 2026}


def offer_url(region: str, year: int = YEAR, scheme: str = SCHEME) -> str:
    return f"/v1/regions/{region}/schemes/{scheme}/years/{year}"


@pytest.fixture
async def client(client_for):
    """The demo district offers variant A; district 320116 registers its own units."""
    client = await client_for("enrollment")
    await prepare_region(client)
    for code in (OTHER, OTHER_TOWN, OTHER_VILLAGE):
        response = await client.put(f"/v1/units/{code}", json={"name": code}, headers=OTHER_ADMIN)
        assert response.status_code == 200, response.text
    return client


async def policies(client) -> dict[tuple[str, str, int], str]:
    async with client.runtime.engine.connect() as conn:
        rows = await conn.execute(
            select(
                SchemeYear.region_code, SchemeYear.scheme_code, SchemeYear.year, SchemeYear.template
            )
        )
        return {(r.region_code, r.scheme_code, r.year): r.template for r in rows}


async def test_another_districts_admin_cannot_rewrite_this_districts_scheme_year(client):
    before = await policies(client)
    body = {"template": "resident_medical/variant-a", "overrides": {"version": 9}}
    problem(await client.put(offer_url(DISTRICT), json=body, headers=OTHER_ADMIN), 403)
    assert await policies(client) == before
    read = await client.get(offer_url(DISTRICT), headers=ADMIN)
    assert read.json()["policy"]["version"] != 9


async def test_a_region_adopts_a_template_of_its_own_beside_another_regions(client):
    adopted = await client.put(offer_url(OTHER), json=VARIANT_B, headers=OTHER_ADMIN)
    assert adopted.status_code == 200, adopted.text
    assert adopted.json()["region_code"] == OTHER
    assert adopted.json()["template"] == "resident_medical/variant-b"
    assert await policies(client) == {
        (DISTRICT, SCHEME, YEAR): "resident_medical/variant-a",
        (OTHER, SCHEME, YEAR): "resident_medical/variant-b",
    }
    # Each region's readers see their own; another region's does not exist for them.
    mine = await client.get(offer_url(OTHER), headers=bearer(["grid_member"], OTHER_VILLAGE))
    assert mine.status_code == 200 and mine.json()["template"] == "resident_medical/variant-b"
    theirs = await client.get(offer_url(DISTRICT), headers=bearer(["grid_member"], OTHER_VILLAGE))
    problem(theirs, 404)


async def test_a_region_code_must_name_a_district(client):
    body = {"template": "resident_medical/variant-a"}
    town = await client.put(offer_url("320115101000"), json=body, headers=ADMIN)
    assert problem(town, 422)["field"] == "region_code"
    bad = await client.put(offer_url("3201150000"), json=body, headers=ADMIN)
    assert problem(bad, 422)["errors"][0]["pointer"] == "#/path/region_code"


async def test_a_scheme_year_not_offered_by_the_persons_region_cannot_enroll_them(client):
    registered = await client.post(
        "/v1/persons",
        json={"resident_id": resident_id(5), "name": "李四", "unit_code": OTHER_VILLAGE},
        headers=OTHER_ADMIN,
    )
    assert registered.status_code == 201, registered.text
    body = {"person_id": registered.json()["id"], "scheme_code": SCHEME, "year": YEAR}
    refused = await client.post("/v1/enrollments", json=body, headers=OTHER_ADMIN)
    assert problem(refused, 422, "scheme_unknown")["field"] == "scheme_code"


async def enrolled(client, n: int, village: str, headers: dict[str, str]) -> dict[str, Any]:
    person = await client.post(
        "/v1/persons",
        json={"resident_id": resident_id(n), "name": f"居民{n}", "unit_code": village},
        headers=headers,
    )
    assert person.status_code == 201, person.text
    body = {"person_id": person.json()["id"], "scheme_code": SCHEME, "year": YEAR}
    enrollment = await client.post("/v1/enrollments", json=body, headers=headers)
    assert enrollment.status_code == 201, enrollment.text
    result: dict[str, Any] = enrollment.json()
    return result


async def test_enrollment_quote_and_payment_follow_the_persons_region(client):
    assert (await client.put(offer_url(OTHER), json=VARIANT_B, headers=OTHER_ADMIN)).is_success
    here = await enrolled(client, 1, "320115101001", ADMIN)
    there = await enrolled(client, 2, OTHER_VILLAGE, OTHER_ADMIN)
    assert here["due"] == "320.00"  # variant A
    assert there["due"] == "280.00"  # variant B, tier 1
    facts = {"birth_date": "1980-01-01", "paid_at": "2026-11-03T10:00:00+08:00"}
    quoted = await client.post(f"{offer_url(OTHER)}/quote", json=facts, headers=OTHER_ADMIN)
    assert quoted.status_code == 200 and quoted.json()["individual"]["amount"] == "280.00"
    # 380 is variant B's tier 2: payable there, above variant A's standard here.
    raw, headers = signed(notice(2, unit=OTHER_VILLAGE, amount="380.00"))
    paid_there = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert paid_there.status_code == 201, paid_there.text
    raw, headers = signed(notice(1, amount="380.00"))
    paid_here = await client.post("/v1/partner/payments", content=raw, headers=headers)
    problem(paid_here, 422, "amount_above_standard")
