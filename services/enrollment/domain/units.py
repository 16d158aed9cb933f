"""Admin-unit codes: the 12-digit statistical division code and its tree (DOMAIN §0).

province 2 + city 2 + county 2 + town 3 + village 3 digits; a unit's subtree is a prefix.
"""

from __future__ import annotations

from enum import IntEnum

from .errors import InvalidUnitCode

# Where each level's own digits start and end in the code.
_SEGMENT_STARTS = (0, 2, 4, 6, 9)
_SEGMENT_ENDS = (2, 4, 6, 9, 12)


class UnitLevel(IntEnum):
    """The level of a unit, from the province down to the village."""

    PROVINCE = 0
    CITY = 1
    COUNTY = 2
    TOWN = 3
    VILLAGE = 4


def unit_level(code: str) -> UnitLevel:
    """The level of a valid code; an invalid code raises InvalidUnitCode."""
    if len(code) != 12 or not code.isdigit():
        raise InvalidUnitCode(f"{code!r} is not a 12-digit division code")
    segments = [code[start:end] for start, end in zip(_SEGMENT_STARTS, _SEGMENT_ENDS, strict=True)]
    if int(segments[0]) == 0:
        raise InvalidUnitCode(f"{code!r} has no province")
    level = max(i for i, segment in enumerate(segments) if int(segment) != 0)
    if any(int(segment) == 0 for segment in segments[:level]):
        raise InvalidUnitCode(f"{code!r} skips a level")
    return UnitLevel(level)


def ancestor_at(code: str, level: UnitLevel) -> str:
    """The unit at `level` that contains `code` (a village's town: first 9 digits + 000)."""
    if level > unit_level(code):
        raise InvalidUnitCode(f"{code} has no ancestor at level {level.name.lower()}")
    end = _SEGMENT_ENDS[level]
    return code[:end] + "0" * (12 - end)


def parent_of(code: str) -> str | None:
    """The unit directly above `code`; None for a province."""
    level = unit_level(code)
    return None if level is UnitLevel.PROVINCE else ancestor_at(code, UnitLevel(level - 1))


def ancestors_of(code: str) -> tuple[str, ...]:
    """Every unit above `code`, nearest first."""
    level = unit_level(code)
    return tuple(ancestor_at(code, UnitLevel(up)) for up in range(level - 1, -1, -1))


def within(code: str, jurisdiction: str) -> bool:
    """Whether `code` lies in the subtree of `jurisdiction` (the unit itself included)."""
    level = unit_level(jurisdiction)
    unit_level(code)
    end = _SEGMENT_ENDS[level]
    return code[:end] == jurisdiction[:end]
