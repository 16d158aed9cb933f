"""Regions: the district (区/县) whose scheme-years govern a unit's residents.

Schemes are configuration per region and year (DOMAIN §1): each district offers its own
scheme-years, and a person enrolls and pays under the one of the district covering their
household's village. A unit above district level (a city, a province) has no region.
"""

from __future__ import annotations

from libs.common.identifiers import UnitLevel, unit_level

_DISTRICT_DIGITS = 6


def region_of(unit_code: str) -> str | None:
    """The district covering `unit_code` (itself when a district), None above districts."""
    if unit_level(unit_code) in (UnitLevel.PROVINCE, UnitLevel.CITY):
        return None
    return unit_code[:_DISTRICT_DIGITS].ljust(12, "0")


def is_region(unit_code: str) -> bool:
    """Whether `unit_code` names a region (a district or county)."""
    return unit_level(unit_code) is UnitLevel.DISTRICT
