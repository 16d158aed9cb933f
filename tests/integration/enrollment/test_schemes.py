"""Scheme-years from the shipped policies, and premium quotes for every case of DOMAIN §1.

Each quote asserts the individual amount, the subsidy by payer and the rule codes that
decided them, so a wrong amount and a right amount reached by the wrong rule both fail.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from libs.common.identifiers import today_in_china
from services.demo import DISTRICT
from services.enrollment.models import SchemeYear
from tests.conftest import bearer
from tests.support.enrollment import ADMIN, SCHEME, YEAR, prepare_region, resident_id
from tests.support.enrollment_api import problem

PROBLEM = "application/problem+json"
READER = bearer(["grid_member"], "320115101001")
B, PENSION, EMPLOYEE = "resident-medical-b", "resident-pension", "employee-pension"
IN_A = "2026-11-03T10:00:00+08:00"  # variant A window Oct 25 – Dec 31 2026
IN_PENSION = "2027-03-01T10:00:00+08:00"  # resident pension window Feb 1 – Sep 30 2027
IN_EMPLOYEE = "2027-07-01T10:00:00+08:00"  # employee pension campaign Jun 16 – Sep 30 2027
OFFERS = {
    B: {"template": "resident_medical/variant-b", "collection_year": 2026},
    PENSION: {"template": "resident_pension/default"},
    EMPLOYEE: {"template": "employee_pension/default"},
}


async def scheme_rows(client) -> int:
    async with client.runtime.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(SchemeYear)))


@pytest.fixture
async def client(client_for):
    """Every shipped template offered for 2027 (variant A by `prepare_region`)."""
    client = await client_for("enrollment")
    await prepare_region(client)
    for code, body in OFFERS.items():
        response = await client.put(
            f"/v1/regions/{DISTRICT}/schemes/{code}/years/{YEAR}", json=body, headers=ADMIN
        )
        assert response.status_code == 200, response.text
    return client


async def quote(client, scheme: str, **facts: Any) -> dict[str, Any]:
    """A quote that succeeded, with every amount carrying its rule."""
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{scheme}/years/{YEAR}/quote", json=facts, headers=READER
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    for part in ("individual", "total"):
        assert body[part]["rule"]["code"] and body[part]["rule"]["text"]
    assert body["subsidy_rule"]["code"] and body["tier_rule"]["code"]
    return body


def money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def payers(body: dict[str, Any]) -> dict[str, Decimal]:
    return {payer: Decimal(amount) for payer, amount in body["subsidy_by_payer"].items()}


# --- scheme-years -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "template", "scheme", "window"),
    [
        (SCHEME, "resident_medical/variant-a", "resident_medical", ("10-25", "12-31")),
        (B, "resident_medical/variant-b", "resident_medical", ("09-01", "12-31")),
        (PENSION, "resident_pension/default", "resident_pension", ("02-01", "09-30")),
        (EMPLOYEE, "employee_pension/default", "employee_pension", ("06-16", "09-30")),
    ],
)
async def test_each_shipped_template_is_offered_and_read_back(
    client, code, template, scheme, window
):
    response = await client.get(
        f"/v1/regions/{DISTRICT}/schemes/{code}/years/{YEAR}", headers=READER
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scheme_code"] == code and body["year"] == YEAR and body["template"] == template
    assert body["policy"]["scheme_code"] == scheme
    assert (body["policy"]["window"]["start"], body["policy"]["window"]["end"]) == window
    collection = 2026 if scheme == "resident_medical" else YEAR
    assert body["policy"]["year"] == collection


async def test_overrides_replace_template_values(client):
    body = {"template": "resident_pension/default", "name": "试点", "overrides": {"version": 3}}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{PENSION}/years/2028", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "试点" and response.json()["policy"]["version"] == 3


def subsidy(tag: str) -> dict[str, Any]:
    """Overrides giving variant B a single subsidy category, for the identity `tag`."""
    category: dict[str, Any] = {"code": "x", "name": "x", "source": "x", "covers_tier": "tier1"}
    category |= {"criteria": [{"tags": [tag]}], "shares": [{"payer": "county", "fraction": 1}]}
    return {"subsidies": [category]}


async def test_an_offer_may_name_only_identity_tags(client):
    body = {"template": "resident_medical/variant-b", "overrides": subsidy("dibao")}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/2030", json=body, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    body["overrides"] = subsidy("dibao_")
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/2031", json=body, headers=ADMIN
    )
    assert "dibao_" in problem(response, 422)["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"template": "resident_medical/nowhere"}, "template"),
        ({"template": "resident_pension/default", "overrides": {"tiers": "x"}}, "overrides"),
        ({"template": "resident_medical/variant-b", "overrides": subsidy("dibao_")}, "overrides"),
    ],
)
async def test_a_bad_offer_is_422_naming_the_field_and_writes_nothing(client, body, field):
    before = await scheme_rows(client)
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/x-{field}/years/{YEAR}", json=body, headers=ADMIN
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == field
    assert await scheme_rows(client) == before


async def test_only_a_district_admin_offers_a_scheme_year(client):
    before = await scheme_rows(client)
    town = bearer(["town_officer"], "320115101000")
    body = {"template": "resident_pension/default"}
    response = await client.put(
        f"/v1/regions/{DISTRICT}/schemes/{PENSION}/years/2030", json=body, headers=town
    )
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    assert await scheme_rows(client) == before


@pytest.mark.parametrize("role", ["partner", "enterprise", "public_reporter", "inspector"])
async def test_reading_a_scheme_year_needs_a_reader_role(client, role):
    response = await client.get(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}", headers=bearer([role], DISTRICT)
    )
    assert response.status_code == 403 and response.headers["content-type"] == PROBLEM
    quoted = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}/quote",
        json={"birth_date": "1980-01-01"},
        headers=bearer([role], DISTRICT),
    )
    assert quoted.status_code == 403


async def test_an_unknown_scheme_year_is_404_and_needs_a_token(client):
    missing = await client.get(
        f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/2040", headers=READER
    )
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    anonymous = await client.get(f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}")
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM


# --- variant A: 320 individual + 580 fiscal ----------------------------------------------

CITY_ALL = {"city": Decimal("320.00"), "fiscal": Decimal("580.00")}
CITY_HALF = {"city": Decimal("160.00"), "fiscal": Decimal("580.00")}
CITY_TOWN = {"city": Decimal("160.00"), "town": Decimal("160.00"), "fiscal": Decimal("580.00")}
FULL = "individual.fully_subsidized"


@pytest.mark.parametrize(
    ("facts", "individual", "by_payer", "individual_rule", "subsidy_rule"),
    [
        ({}, "320.00", {"fiscal": Decimal("580.00")}, "individual.standard", "subsidy.none"),
        ({"tags": ["poverty_registered"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["poverty_monitored"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["dibao"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["tekun"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["orphan"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["unsupported_child"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"tags": ["child_in_difficulty"]}, "0.00", CITY_ALL, FULL, "subsidy.a1_assistance"),
        ({"birth_date": "1966-11-04"}, "320.00", {"fiscal": Decimal("580.00")},
         "individual.standard", "subsidy.none"),  # 59
        ({"birth_date": "1966-11-03"}, "160.00", CITY_HALF, "individual.remainder",
         "subsidy.a2_age_60_69"),  # 60 on the day of payment
        ({"birth_date": "1956-11-04"}, "160.00", CITY_HALF, "individual.remainder",
         "subsidy.a2_age_60_69"),  # 69
        ({"birth_date": "1956-11-03"}, "0.00", CITY_ALL, FULL, "subsidy.a2_age_70_plus"),  # 70
        ({"birth_date": "1930-05-05"}, "0.00", CITY_ALL, FULL, "subsidy.a2_age_70_plus"),
        ({"tags": ["one_daughter_family"]}, "0.00", CITY_TOWN, FULL, "subsidy.a3_family_planning"),
        ({"tags": ["two_daughter_family"]}, "0.00", CITY_TOWN, FULL, "subsidy.a3_family_planning"),
        ({"tags": ["only_child_lost_family"]}, "0.00", CITY_TOWN, FULL,
         "subsidy.a3_family_planning"),
        ({"tags": ["severe_disability"]}, "0.00", CITY_ALL, FULL, "subsidy.a4_severe_disability"),
        ({"tags": ["entitled_care"]}, "0.00", CITY_ALL, FULL, "subsidy.a5_entitled_care"),
        # several categories: only the highest (就高), never stacked
        ({"birth_date": "1961-01-01", "tags": ["one_daughter_family"]}, "0.00", CITY_TOWN, FULL,
         "subsidy.highest_only"),
        ({"birth_date": "1961-01-01", "tags": ["dibao"]}, "0.00", CITY_ALL, FULL,
         "subsidy.highest_only"),
    ],
)  # fmt: skip
async def test_variant_a_in_the_window(client, facts, individual, by_payer, individual_rule,
                                       subsidy_rule):  # fmt: skip
    body = await quote(client, SCHEME, **({"birth_date": "1980-01-01"} | facts), paid_at=IN_A)
    assert Decimal(body["individual"]["amount"]) == Decimal(individual)
    assert payers(body) == by_payer
    assert body["individual"]["rule"]["code"] == individual_rule
    assert body["subsidy_rule"]["code"] == subsidy_rule
    assert Decimal(body["total"]["amount"]) == Decimal("900.00")
    assert body["total"]["rule"]["code"] == "total.with_fiscal"
    assert body["within_window"] is True and body["benefits_start"] is None
    assert body["eligibility"] == {"eligible": True, "rule": body["eligibility"]["rule"]}


async def test_the_highest_category_is_the_one_recorded(client):
    body = await quote(
        client, SCHEME, birth_date="1961-01-01", tags=["one_daughter_family"], paid_at=IN_A
    )
    assert body["subsidy_category"] == "a3_family_planning"
    assert "a2_age_60_69" not in body["subsidy_rule"]["text"]
    assert "60岁" in body["subsidy_rule"]["text"]  # names the category passed over


@pytest.mark.parametrize(
    ("paid_at", "tags", "benefits"),
    [
        ("2026-10-24T23:59:00+08:00", [], "2026-11-23"),
        ("2027-01-01T00:10:00+08:00", [], "2027-01-31"),
        ("2027-01-05T09:00:00+08:00", ["dibao"], "2027-02-04"),  # no 资助 outside the window
        ("2027-01-05T09:00:00+08:00", ["one_daughter_family"], "2027-02-04"),
    ],
)
async def test_variant_a_outside_the_window_pays_the_full_premium(client, paid_at, tags, benefits):
    body = await quote(client, SCHEME, birth_date="1950-01-01", tags=tags, paid_at=paid_at)
    assert Decimal(body["individual"]["amount"]) == Decimal("900.00")
    assert Decimal(body["total"]["amount"]) == Decimal("900.00")
    assert body["subsidy_by_payer"] == {} and body["subsidies"] == []
    assert body["individual"]["rule"]["code"] == "window.outside_full_premium"
    assert body["subsidy_rule"]["code"] == "window.outside_full_premium"
    assert body["within_window"] is False
    assert body["benefits_start"] == benefits
    assert body["benefits_rule"]["code"] == "benefits.waiting_period"


@pytest.mark.parametrize("paid_at", ["2026-10-25T00:05:00+08:00", "2026-12-31T23:30:00+08:00"])
async def test_variant_a_window_days_are_inclusive_in_shanghai_time(client, paid_at):
    body = await quote(client, SCHEME, birth_date="1980-01-01", paid_at=paid_at)
    assert body["within_window"] is True
    assert Decimal(body["individual"]["amount"]) == Decimal("320.00")


async def test_a_quote_from_the_id_number_uses_its_birth_date(client):
    number = resident_id(7, born=date(1956, 1, 1))
    body = await quote(client, SCHEME, resident_id=number, paid_at=IN_A)
    assert body["subsidy_rule"]["code"] == "subsidy.a2_age_70_plus"


# --- variant B: tiers 280 / 380, government pays by group -------------------------------

COUNTY_380 = {"county": Decimal("380.00")}
COUNTY_280 = {"county": Decimal("280.00")}
COUNTY_168 = {"county": Decimal("168.00")}
G1, G2, G3 = (
    "subsidy.b1_government_tier2",
    "subsidy.b2_government_tier1",
    "subsidy.b3_sixty_percent",
)
ADULT, MINOR, SENIOR = "1980-01-01", "2015-06-01", "1960-01-01"
VALID = resident_id(1)
WRONG_CHECK = VALID[:-1] + ("1" if VALID[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("facts", "tier", "tier_rule", "individual", "by_payer", "subsidy_rule"),
    [
        ({}, "tier1", "tier.default", "280.00", {}, "subsidy.none"),
        ({"tier": "tier2"}, "tier2", "tier.chosen", "380.00", {}, "subsidy.none"),
        # under-18s and students are forced to tier 1
        ({"birth_date": MINOR, "tier": "tier2"}, "tier1", "tier.forced", "280.00", {},
         "subsidy.none"),
        ({"student": True, "tier": "tier2"}, "tier1", "tier.forced", "280.00", {}, "subsidy.none"),
        # group 1: government pays tier 2 in full
        ({"tags": ["wubao"]}, "tier2", "tier.subsidized", "0.00", COUNTY_380, G1),
        ({"tags": ["sanwu"]}, "tier2", "tier.subsidized", "0.00", COUNTY_380, G1),
        ({"tags": ["disability_grade_1"]}, "tier2", "tier.subsidized", "0.00", COUNTY_380, G1),
        ({"tags": ["land_requisitioned"]}, "tier2", "tier.subsidized", "0.00", COUNTY_380, G1),
        # group 2: government pays tier 1 in full (group 1's minors and students, 低保, 建档立卡)
        ({"tags": ["dibao"]}, "tier1", "tier.subsidized", "0.00", COUNTY_280, G2),
        ({"tags": ["poverty_registered"]}, "tier1", "tier.subsidized", "0.00", COUNTY_280, G2),
        ({"tags": ["wubao"], "birth_date": MINOR}, "tier1", "tier.forced", "0.00", COUNTY_280, G2),
        ({"tags": ["wubao"], "student": True}, "tier1", "tier.forced", "0.00", COUNTY_280, G2),
        # group 3: subsidy 60 % of tier 1 (168), the person pays 112
        ({"tags": ["low_income_family"], "birth_date": SENIOR}, "tier1", "tier.subsidized",
         "112.00", COUNTY_168, G3),
        ({"tags": ["low_income_family"], "birth_date": MINOR}, "tier1", "tier.forced", "112.00",
         COUNTY_168, G3),
        ({"tags": ["disability_grade_3"]}, "tier1", "tier.subsidized", "112.00", COUNTY_168, G3),
        ({"tags": ["low_income_family"]}, "tier1", "tier.default", "280.00", {}, "subsidy.none"),
        # groups 2 and 3 choosing tier 2 pay the difference
        ({"tags": ["dibao"], "tier": "tier2"}, "tier2", "tier.chosen", "100.00", COUNTY_280, G2),
        ({"tags": ["disability_grade_4"], "tier": "tier2"}, "tier2", "tier.chosen", "212.00",
         COUNTY_168, G3),
        # several categories: only the highest
        ({"tags": ["dibao", "disability_grade_3"]}, "tier1", "tier.subsidized", "0.00",
         COUNTY_280, "subsidy.highest_only"),
        ({"tags": ["wubao", "dibao"]}, "tier2", "tier.subsidized", "0.00", COUNTY_380,
         "subsidy.highest_only"),
        # only persons with county household registration
        ({"tags": ["dibao"], "local_hukou": False}, "tier1", "tier.default", "280.00", {},
         "subsidy.none"),
    ],
)  # fmt: skip
async def test_variant_b(client, facts, tier, tier_rule, individual, by_payer, subsidy_rule):
    body = await quote(client, B, **({"birth_date": ADULT} | facts), paid_at=IN_A)
    assert body["tier"] == tier and body["tier_rule"]["code"] == tier_rule
    assert Decimal(body["individual"]["amount"]) == Decimal(individual)
    assert payers(body) == by_payer
    assert body["subsidy_rule"]["code"] == subsidy_rule
    expected_total = Decimal("380.00") if tier == "tier2" else Decimal("280.00")
    assert Decimal(body["individual"]["amount"]) + sum(by_payer.values()) == expected_total


async def test_variant_b_new_out_of_city_student_pays_83(client):
    body = await quote(client, B, birth_date="2007-09-01", new_nonlocal_student=True, paid_at=IN_A)
    assert Decimal(body["individual"]["amount"]) == Decimal("83.00")
    assert body["individual"]["rule"]["code"] == "individual.new_nonlocal_student"
    assert body["tier"] == "tier1" and body["tier_rule"]["code"] == "tier.new_nonlocal_student"
    assert body["subsidy_by_payer"] == {}


@pytest.mark.parametrize("tags", [[], ["dibao"]])
async def test_variant_b_has_no_full_premium_rule_outside_the_window(client, tags):
    body = await quote(client, B, birth_date=ADULT, tags=tags, paid_at="2027-01-10T10:00:00+08:00")
    assert body["within_window"] is False
    assert body["individual"]["rule"]["code"] != "window.outside_full_premium"
    assert Decimal(body["individual"]["amount"]) == (Decimal("0.00") if tags else Decimal("280"))
    assert body["benefits_start"] is None


async def test_an_unknown_tier_is_422_naming_tier(client):
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{B}/years/{YEAR}/quote",
        json={"birth_date": ADULT, "tier": "tier9"},
        headers=READER,
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "tier" and response.json()["code"] == "tier_unknown"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"resident_id": WRONG_CHECK}, "#/body/resident_id"),
        ({"birth_date": "1980-02-30"}, "#/body/birth_date"),
        ({"birth_date": ADULT, "paid_at": "2026-11-03T10:00:00"}, "#/body/paid_at"),  # naive
    ],
)
async def test_a_bad_quote_request_is_422_with_a_json_pointer(client, body, pointer):
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{B}/years/{YEAR}/quote", json=body, headers=READER
    )
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert [e["pointer"] for e in response.json()["errors"]] == [pointer]


async def test_a_quote_needs_the_birth_date_or_the_id_number(client):
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{B}/years/{YEAR}/quote", json={}, headers=READER
    )
    assert response.status_code == 422 and response.json()["field"] == "birth_date"


# --- resident pension: ages 16–59, not employee-insured, not a student; minimum 500 -------


@pytest.mark.parametrize(
    ("facts", "eligible", "rule"),
    [
        ({"birth_date": "2011-03-01"}, True, "eligible"),  # 16 on the day
        ({"birth_date": "2011-03-02"}, False, "ineligible.age"),  # 15
        ({"birth_date": "1967-03-02"}, True, "eligible"),  # 59
        ({"birth_date": "1967-03-01"}, False, "ineligible.age"),  # 60
        ({"birth_date": "1980-01-01", "in_employee_scheme": True}, False,
         "ineligible.employee_scheme"),
        ({"birth_date": "2005-01-01", "student": True}, False, "ineligible.student"),
    ],
)  # fmt: skip
async def test_resident_pension_scope_and_minimum(client, facts, eligible, rule):
    body = await quote(client, PENSION, **facts, paid_at=IN_PENSION)
    assert body["eligibility"]["eligible"] is eligible
    assert body["eligibility"]["rule"]["code"] == rule
    assert body["tier"] == "t500"
    assert Decimal(body["individual"]["amount"]) == Decimal("500.00")
    assert body["individual"]["rule"]["code"] == "individual.standard"
    assert body["subsidy_by_payer"] == {} and body["subsidy_rule"]["code"] == "subsidy.none"
    assert body["total"]["rule"]["code"] == "total.tier"


# --- employee pension: no tiers, the retirement rule (000:L54) -----------------------------


async def test_employee_pension_quotes_without_an_amount(client):
    body = await quote(client, EMPLOYEE, birth_date="1980-01-01", sex="male", paid_at=IN_EMPLOYEE)
    assert body["individual"]["amount"] is None and body["total"]["amount"] is None
    assert body["individual"]["rule"]["code"] == "individual.wage_base"
    assert body["tier"] is None and body["subsidy_by_payer"] == {}
    assert body["eligibility"] == {"eligible": True, "rule": body["eligibility"]["rule"]}
    assert body["retirement"]["rule"]["code"] == "retirement.below_age"
    assert body["retirement"]["retirement_age"] == 60


@pytest.mark.parametrize(
    ("born", "sex", "years", "eligible", "rule", "short"),
    [
        ("1962-01-01", "male", 10, True, "retirement.keep_paying", 5),
        ("1962-01-01", "male", 15, False, "retirement.may_retire", 0),
        ("1962-01-01", "male", 14, True, "retirement.keep_paying", 1),
        ("1970-01-01", "female", 3, True, "retirement.keep_paying", 12),
        ("1970-01-01", "female", 20, False, "retirement.may_retire", 0),
        ("1973-01-01", "female", 2, True, "retirement.below_age", 13),  # 54
    ],
)
async def test_employee_pension_contribution_years_decide_retirement(
    client, born, sex, years, eligible, rule, short
):
    body = await quote(
        client, EMPLOYEE, birth_date=born, sex=sex, contribution_years=years, paid_at=IN_EMPLOYEE
    )
    assert body["retirement"]["rule"]["code"] == rule
    assert body["retirement"]["years_short"] == short
    assert body["retirement"]["retirement_age"] == (60 if sex == "male" else 55)
    assert body["retirement"]["may_keep_paying"] is eligible
    assert body["eligibility"]["eligible"] is eligible
    expected = "eligible" if eligible else "ineligible.retired"
    assert body["eligibility"]["rule"]["code"] == expected


async def test_contribution_years_cannot_be_negative(client):
    response = await client.post(
        f"/v1/regions/{DISTRICT}/schemes/{EMPLOYEE}/years/{YEAR}/quote",
        json={"birth_date": ADULT, "contribution_years": -1},
        headers=READER,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/body/contribution_years"


@pytest.mark.parametrize(
    ("scheme", "paid_at", "phase"),
    [
        (PENSION, IN_PENSION, "enrollment 参保阶段"),
        (PENSION, "2027-01-15T10:00:00+08:00", "preparation 准备阶段"),
        (PENSION, "2027-11-01T10:00:00+08:00", None),
        (EMPLOYEE, IN_EMPLOYEE, "collection 集中征缴"),
        (SCHEME, IN_A, None),  # variant A names no phases
    ],
)
async def test_a_quote_names_the_campaign_phase_of_its_day(client, scheme, paid_at, phase):
    facts = {"birth_date": "1980-01-01", "sex": "male", "paid_at": paid_at}
    assert (await quote(client, scheme, **facts))["phase"] == phase


async def test_a_quote_for_someone_born_in_the_future_is_refused_naming_the_field(client):
    tomorrow = today_in_china() + timedelta(days=1)
    url = f"/v1/regions/{DISTRICT}/schemes/{SCHEME}/years/{YEAR}/quote"
    response = await client.post(url, json={"birth_date": tomorrow.isoformat()}, headers=READER)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["birth_date"]
    born_by_id = resident_id(1, born=tomorrow)
    response = await client.post(url, json={"resident_id": born_by_id}, headers=READER)
    assert [e["field"] for e in response.json()["errors"]] == ["resident_id"]
    today = today_in_china().isoformat()
    assert (await client.post(url, json={"birth_date": today}, headers=READER)).status_code == 200
