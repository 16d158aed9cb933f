"""Shared identifiers: admin unit and grid cell codes, credit codes, resident ID numbers.

Pure functions, no I/O. Each `validate_*` returns the canonical form of a valid code or raises
`InvalidIdentifier` (a `ValueError`), so the `Annotated` types at the end turn a bad code in an
API model into a 422 that names the field.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, WithJsonSchema


class InvalidIdentifier(ValueError):
    """A code that does not have the format or check character its standard requires."""


class UnitLevel(StrEnum):
    """Level of an admin unit in the statistical division code."""

    PROVINCE = "province"
    CITY = "city"
    DISTRICT = "district"
    TOWN = "town"
    VILLAGE = "village"


class Sex(StrEnum):
    """Sex encoded in a resident ID number."""

    MALE = "male"
    FEMALE = "female"


_SEGMENTS = (
    (UnitLevel.PROVINCE, 0, 2),
    (UnitLevel.CITY, 2, 4),
    (UnitLevel.DISTRICT, 4, 6),
    (UnitLevel.TOWN, 6, 9),
    (UnitLevel.VILLAGE, 9, 12),
)
_PREFIX_LENGTH = {level: end for level, _, end in _SEGMENTS}
_UNIT_RE = re.compile(r"[0-9]{12}")
_CELL_RE = re.compile(r"[0-9]{15}")

CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_VALUE = {char: value for value, char in enumerate(CREDIT_CHARSET)}

_RESIDENT_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_CHECK = "10X98765432"
_RESIDENT_RE = re.compile(r"[0-9]{17}[0-9X]")
_DIGITS17_RE = re.compile(r"[0-9]{17}")
_EARLIEST_BIRTH_YEAR = 1850
_CHINA = ZoneInfo("Asia/Shanghai")


def today_in_china() -> date:
    """Today's date in Asia/Shanghai: no one can be born after it."""
    return datetime.now(_CHINA).date()


def ensure_born(born: date, what: str = "birth date") -> date:
    """Return `born` unless it lies after today (Asia/Shanghai): raise InvalidIdentifier."""
    if born > today_in_china():
        raise InvalidIdentifier(f"{what} {born.isoformat()} is in the future")
    return born


@lru_cache(maxsize=65_536)  # pure; every event carries codes, a replay parses millions
def validate_unit_code(code: str) -> str:
    """Return `code` if it is a 12-digit division code with no zero segment above a used one."""
    if not _UNIT_RE.fullmatch(code):
        raise InvalidIdentifier(f"admin unit code must be exactly 12 digits, got {code!r}")
    used = [int(code[start:end]) != 0 for _, start, end in _SEGMENTS]
    if not used[0]:
        raise InvalidIdentifier(f"admin unit code {code!r} has no province")
    if any(later and not earlier for earlier, later in itertools.pairwise(used)):
        raise InvalidIdentifier(f"admin unit code {code!r} skips a level (zero segment inside)")
    return code


def unit_level(code: str) -> UnitLevel:
    """The level of a unit, read from the trailing zero segments of its code."""
    validate_unit_code(code)
    return next(level for level, start, end in reversed(_SEGMENTS) if int(code[start:end]))


def unit_prefix(code: str) -> str:
    """The significant digits of a unit code: the prefix shared by its whole subtree."""
    return code[: _PREFIX_LENGTH[unit_level(code)]]


def parent_unit(code: str) -> str | None:
    """The code of the unit one level up, or None for a province."""
    level = unit_level(code)
    if level is UnitLevel.PROVINCE:
        return None
    start = next(start for each, start, _ in _SEGMENTS if each is level)
    return code[:start].ljust(12, "0")


def ancestors(code: str) -> tuple[str, ...]:
    """The codes of every unit above `code`, province first, excluding `code` itself."""
    chain: list[str] = []
    parent = parent_unit(code)
    while parent is not None:
        chain.append(parent)
        parent = parent_unit(parent)
    return tuple(reversed(chain))


def is_within(code: str, jurisdiction: str) -> bool:
    """Whether a unit or grid cell `code` lies in the subtree of the unit `jurisdiction`."""
    if len(code) == 15:
        validate_grid_cell(code)
    else:
        validate_unit_code(code)
    return code.startswith(unit_prefix(jurisdiction))


def validate_grid_cell(code: str) -> str:
    """Return `code` if it is a village code followed by a 3-digit cell number from 001."""
    if not _CELL_RE.fullmatch(code):
        raise InvalidIdentifier(f"grid cell code must be exactly 15 digits, got {code!r}")
    try:
        level = unit_level(code[:12])
    except InvalidIdentifier as exc:
        raise InvalidIdentifier(f"grid cell code {code!r}: {exc}") from None
    if level is not UnitLevel.VILLAGE:
        raise InvalidIdentifier(f"grid cell code {code!r} must start with a village code")
    if code[12:] == "000":
        raise InvalidIdentifier(f"grid cell code {code!r} has cell number 000")
    return code


def cell_village(code: str) -> str:
    """The code of the village a grid cell belongs to."""
    return validate_grid_cell(code)[:12]


def make_grid_cell(village: str, number: int) -> str:
    """The grid cell code of cell `number` (1–999) in `village`."""
    if not 1 <= number <= 999:
        raise InvalidIdentifier(f"grid cell number must be 1–999, got {number}")
    return validate_grid_cell(f"{village}{number:03d}")


def credit_code_check_char(first17: str) -> str:
    """The check character (GB 32100-2015) of the first 17 characters of a credit code."""
    body = first17.upper()
    if len(body) != 17 or any(char not in _CREDIT_VALUE for char in body):
        raise InvalidIdentifier(f"credit code body must be 17 characters of {CREDIT_CHARSET}")
    total = sum(_CREDIT_VALUE[char] * w for char, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_CHARSET[(31 - total % 31) % 31]


@lru_cache(maxsize=65_536)
def validate_credit_code(code: str) -> str:
    """Return the upper-case form of a unified social credit code with a correct check."""
    if len(code) != 18:
        raise InvalidIdentifier(f"credit code must be 18 characters, got {code!r}")
    canonical = code.upper()
    bad = sorted({char for char in canonical if char not in _CREDIT_VALUE})
    if bad:
        raise InvalidIdentifier(f"credit code {code!r} has characters not allowed: {''.join(bad)}")
    expected = credit_code_check_char(canonical[:17])
    if canonical[17] != expected:
        raise InvalidIdentifier(f"credit code {code!r} has check character {canonical[17]!r}")
    return canonical


def resident_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID."""
    if not _DIGITS17_RE.fullmatch(first17):
        raise InvalidIdentifier("resident ID body must be 17 digits")
    total = sum(int(digit) * w for digit, w in zip(first17, _RESIDENT_WEIGHTS, strict=True))
    return _RESIDENT_CHECK[total % 11]


def validate_resident_id(number: str) -> str:
    """Return the upper-case form of an 18-character resident ID with a valid date and check."""
    canonical = number.upper()
    if not _RESIDENT_RE.fullmatch(canonical):
        raise InvalidIdentifier("resident ID number must be 17 digits followed by a digit or X")
    _birth_date(canonical)
    if canonical[17] != resident_id_check_char(canonical[:17]):
        raise InvalidIdentifier(f"resident ID number {mask_resident_id(canonical)} fails its check")
    return canonical


def _birth_date(number: str) -> date:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier("resident ID number has an impossible birth date") from None
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidIdentifier(
            f"resident ID number has a birth year before {_EARLIEST_BIRTH_YEAR}"
        )
    return ensure_born(born, "resident ID number's birth date")


def resident_birth_date(number: str) -> date:
    """The birth date encoded in a resident ID number."""
    return _birth_date(validate_resident_id(number))


def resident_sex(number: str) -> Sex:
    """The sex encoded in a resident ID number (17th digit odd = male)."""
    return Sex.MALE if int(validate_resident_id(number)[16]) % 2 else Sex.FEMALE


def mask_resident_id(number: str) -> str:
    """Show only the first and last four characters of an 18-character ID number."""
    if len(number) != 18:
        raise InvalidIdentifier("resident ID number must be 18 characters")
    return f"{number[:4]}{'*' * 10}{number[14:]}"


def _schema(pattern: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "description": description})


UnitCode = Annotated[
    str,
    AfterValidator(validate_unit_code),
    _schema(r"^[0-9]{12}$", "12-digit statistical division code"),
]
GridCellCode = Annotated[
    str,
    AfterValidator(validate_grid_cell),
    _schema(r"^[0-9]{15}$", "village code + 3-digit cell number"),
]
CreditCode = Annotated[
    str,
    AfterValidator(validate_credit_code),
    _schema(r"^[0-9A-HJ-NPQRTUWXY]{18}$", "unified social credit code (GB 32100)"),
]
ResidentId = Annotated[
    str,
    AfterValidator(validate_resident_id),
    _schema(r"^[0-9]{17}[0-9Xx]$", "resident ID number (GB 11643)"),
]
