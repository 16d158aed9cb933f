"""The region whose scheme-years govern a unit: the district covering it."""

from __future__ import annotations

import pytest

from services.enrollment.domain.regions import is_region, region_of


@pytest.mark.parametrize(
    ("unit", "region"),
    [
        ("320115000000", "320115000000"),  # a district is its own region
        ("320115101000", "320115000000"),  # a town
        ("320115101001", "320115000000"),  # a village
        ("320116103002", "320116000000"),  # another district's village
        ("320100000000", None),  # a city spans several regions
        ("320000000000", None),  # a province too
    ],
)
def test_a_units_region_is_the_district_covering_it(unit, region):
    assert region_of(unit) == region


def test_only_a_district_is_a_region():
    assert is_region("320115000000")
    assert not is_region("320115101000") and not is_region("320100000000")
