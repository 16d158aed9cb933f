"""Admin-unit codes: levels, ancestors, jurisdiction subtrees."""

import pytest

from services.enrollment.domain.errors import InvalidUnitCode
from services.enrollment.domain.units import (
    UnitLevel,
    ancestor_at,
    ancestors_of,
    parent_of,
    unit_level,
    within,
)

VILLAGE = "320115103201"


def test_levels():
    assert unit_level("320000000000") is UnitLevel.PROVINCE
    assert unit_level("320100000000") is UnitLevel.CITY
    assert unit_level("320115000000") is UnitLevel.COUNTY
    assert unit_level("320115103000") is UnitLevel.TOWN
    assert unit_level(VILLAGE) is UnitLevel.VILLAGE


def test_a_villages_town_and_district():
    assert ancestor_at(VILLAGE, UnitLevel.TOWN) == "320115103000"
    assert ancestor_at(VILLAGE, UnitLevel.COUNTY) == "320115000000"
    assert parent_of(VILLAGE) == "320115103000"
    assert parent_of("320000000000") is None
    assert ancestors_of(VILLAGE) == (
        "320115103000",
        "320115000000",
        "320100000000",
        "320000000000",
    )


@pytest.mark.parametrize(
    "code", ["32011510320", "3201151032011", "32011510320x", "000000000000", "320100103201"]
)
def test_invalid_codes(code):
    with pytest.raises(InvalidUnitCode):
        unit_level(code)


def test_no_ancestor_below_the_unit():
    with pytest.raises(InvalidUnitCode):
        ancestor_at("320115000000", UnitLevel.TOWN)


def test_jurisdiction_is_a_prefix_subtree():
    assert within(VILLAGE, "320115000000")
    assert within(VILLAGE, VILLAGE)
    assert not within(VILLAGE, "320116000000")
    assert not within("320115000000", "320115103000")
