"""Tests of the shared identifiers: unit and cell codes, credit codes, resident ID numbers."""

from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from libs.common import identifiers as ids
from libs.common.identifiers import (
    CREDIT_CHARSET,
    CreditCode,
    GridCellCode,
    InvalidIdentifier,
    ResidentId,
    Sex,
    UnitCode,
    UnitLevel,
)

VILLAGE = "320115103201"
TOWN = "320115103000"
DISTRICT = "320115000000"


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("320000000000", UnitLevel.PROVINCE),
        ("320100000000", UnitLevel.CITY),
        (DISTRICT, UnitLevel.DISTRICT),
        (TOWN, UnitLevel.TOWN),
        (VILLAGE, UnitLevel.VILLAGE),
        ("110101001001", UnitLevel.VILLAGE),
    ],
)
def test_unit_level_from_trailing_zeros(code, level):
    assert ids.unit_level(code) is level


def test_parent_and_ancestors():
    assert ids.parent_unit(VILLAGE) == TOWN
    assert ids.parent_unit(TOWN) == DISTRICT
    assert ids.parent_unit("320000000000") is None
    assert ids.ancestors(VILLAGE) == ("320000000000", "320100000000", DISTRICT, TOWN)
    assert ids.ancestors("320000000000") == ()


@pytest.mark.parametrize(
    ("code", "jurisdiction", "inside"),
    [
        (VILLAGE, TOWN, True),
        (VILLAGE, DISTRICT, True),
        (TOWN, TOWN, True),
        (VILLAGE, VILLAGE, True),
        ("320115104201", TOWN, False),
        (TOWN, VILLAGE, False),
        ("320116103201", DISTRICT, False),
        (VILLAGE + "007", TOWN, True),
        ("320115104201007", TOWN, False),
    ],
)
def test_is_within_is_a_prefix_of_significant_digits(code, jurisdiction, inside):
    assert ids.is_within(code, jurisdiction) is inside


@pytest.mark.parametrize(
    "code",
    [
        "32011510320",
        "3201151032011",
        "32011510320A",
        "３２０１１５１０３２０１",
        "000000000000",
        "320000103000",
        "320100000201",
        " 32011510320",
    ],
)
def test_invalid_unit_codes(code):
    with pytest.raises(InvalidIdentifier):
        ids.validate_unit_code(code)


def test_grid_cells():
    cell = ids.make_grid_cell(VILLAGE, 7)
    assert cell == "320115103201007"
    assert ids.validate_grid_cell(cell) == cell
    assert ids.cell_village(cell) == VILLAGE
    for bad in (TOWN + "001", VILLAGE + "000", VILLAGE + "01", VILLAGE + "01a"):
        with pytest.raises(InvalidIdentifier):
            ids.validate_grid_cell(bad)
    with pytest.raises(InvalidIdentifier):
        ids.make_grid_cell(VILLAGE, 1000)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_published_credit_codes_validate(code):
    assert ids.validate_credit_code(code) == code
    assert ids.validate_credit_code(code.lower()) == code


def test_credit_code_errors_are_clear():
    with pytest.raises(InvalidIdentifier, match="18 characters"):
        ids.validate_credit_code("91350100M000100Y4")
    with pytest.raises(InvalidIdentifier, match="not allowed: IO"):
        ids.validate_credit_code("91350100MI00100O43")
    with pytest.raises(InvalidIdentifier, match="check character"):
        ids.validate_credit_code("91350100M000100Y44")


credit_bodies = st.text(alphabet=CREDIT_CHARSET, min_size=17, max_size=17)


@given(credit_bodies)
def test_credit_body_with_computed_check_validates(body):
    code = body + ids.credit_code_check_char(body)
    assert ids.validate_credit_code(code) == code


@given(credit_bodies, st.integers(0, 17), st.sampled_from(CREDIT_CHARSET))
def test_credit_code_detects_any_single_substitution(body, position, char):
    code = body + ids.credit_code_check_char(body)
    changed = code[:position] + char + code[position + 1 :]
    if changed != code:
        with pytest.raises(InvalidIdentifier):
            ids.validate_credit_code(changed)


def test_standard_resident_id_example():
    assert ids.resident_id_check_char("11010519491231002") == "X"
    assert ids.validate_resident_id("11010519491231002x") == "11010519491231002X"
    assert ids.resident_birth_date("11010519491231002X") == date(1949, 12, 31)
    assert ids.resident_sex("11010519491231002X") is Sex.FEMALE


def test_resident_id_sex_and_errors():
    male = "32010519900101123"
    number = male + ids.resident_id_check_char(male)
    assert ids.resident_sex(number) is Sex.MALE
    with pytest.raises(InvalidIdentifier, match="birth date"):
        body = "32010519900230123"
        ids.validate_resident_id(body + ids.resident_id_check_char(body))
    with pytest.raises(InvalidIdentifier, match="fails its check"):
        ids.validate_resident_id("110105194912310021")
    with pytest.raises(InvalidIdentifier, match="17 digits"):
        ids.validate_resident_id("1101051949123100")


def test_mask_resident_id():
    assert ids.mask_resident_id("32010519900101123X") == "3201**********123X"


resident_bodies = st.builds(
    lambda region, born, seq: f"{region:06d}{born:%Y%m%d}{seq:03d}",
    st.integers(110000, 829999),
    st.dates(date(1900, 1, 1), ids.today_in_china()),  # no one is born after today
    st.integers(0, 999),
)


@given(st.integers(1, 365 * 70), st.integers(0, 999))
def test_a_resident_id_born_after_today_is_refused(days_ahead, seq):
    born = ids.today_in_china() + timedelta(days=days_ahead)
    body = f"320115{born:%Y%m%d}{seq:03d}"
    with pytest.raises(ids.InvalidIdentifier, match="in the future"):
        ids.validate_resident_id(body + ids.resident_id_check_char(body))


@given(resident_bodies)
def test_resident_body_with_computed_check_validates(body):
    number = body + ids.resident_id_check_char(body)
    assert ids.validate_resident_id(number) == number
    assert ids.resident_birth_date(number).strftime("%Y%m%d") == body[6:14]


@given(resident_bodies, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_resident_id_detects_any_single_substitution(body, position, char):
    number = body + ids.resident_id_check_char(body)
    changed = number[:position] + char + number[position + 1 :]
    if changed != number:
        with pytest.raises(InvalidIdentifier):
            ids.validate_resident_id(changed)


class Payer(BaseModel):
    unit_code: UnitCode
    cell_code: GridCellCode | None = None
    credit_code: CreditCode | None = None
    resident_id: ResidentId | None = None


def test_annotated_types_validate_and_normalise():
    payer = Payer(
        unit_code=VILLAGE, credit_code="91350100m000100y43", resident_id="11010519491231002x"
    )
    assert payer.credit_code == "91350100M000100Y43"
    assert payer.resident_id == "11010519491231002X"
    with pytest.raises(ValidationError) as error:
        Payer(unit_code=VILLAGE, cell_code=TOWN + "001")
    assert error.value.errors()[0]["loc"] == ("cell_code",)
    assert Payer.model_json_schema()["properties"]["unit_code"]["pattern"] == "^[0-9]{12}$"


async def test_api_rejects_bad_code_with_422_naming_the_field():
    app = FastAPI()

    @app.post("/payers")
    async def create(payer: Payer) -> Payer:
        return payer

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.post("/payers", json={"unit_code": VILLAGE})).status_code == 200
        body = {"unit_code": VILLAGE, "credit_code": "91350100M000100Y44"}
        response = await client.post("/payers", json=body)
    assert response.status_code == 422
    [detail] = response.json()["detail"]
    assert detail["loc"] == ["body", "credit_code"]
    assert "check character" in detail["msg"]
