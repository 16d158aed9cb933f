"""Who may do what in enrollment: roles, jurisdiction and the showing of ID numbers.

Roles that see a resident ID number in full: the village officer (registers people and
collects at the door) and the auditor (纪委 checks that every subsidized person is counted
once across departments). Every other role sees it masked (`3201**********123X`).
"""

from __future__ import annotations

from libs.common import identifiers
from libs.common.auth import Principal, Role, ensure_covers, ensure_role
from libs.common.errors import NotFound

OFFICERS = (Role.DISTRICT_ADMIN, Role.TOWN_OFFICER, Role.VILLAGE_OFFICER)
READERS = (*OFFICERS, Role.AUDITOR, Role.GRID_MEMBER)
PLANNERS = (Role.DISTRICT_ADMIN, Role.TOWN_OFFICER)
REVEAL_ID_ROLES = (Role.VILLAGE_OFFICER, Role.AUDITOR)


def require(user: Principal, roles: tuple[str, ...], unit_code: str | None = None) -> None:
    """403 unless the caller has one of `roles` and, if given, covers `unit_code`."""
    ensure_role(user, *roles)
    if unit_code is not None:
        ensure_covers(user, unit_code)


def visible_or_404(user: Principal, unit_code: str, what: str) -> None:
    """A record outside the caller's jurisdiction does not exist for them."""
    if not user.covers(unit_code):
        raise NotFound(f"No {what} in your jurisdiction.")


def shown_resident_id(user: Principal, number: str) -> tuple[str, bool]:
    """The ID number as this caller may see it, and whether it is masked."""
    if user.has_any(*REVEAL_ID_ROLES):
        return number, False
    return identifiers.mask_resident_id(number), True


def mask_name(name: str) -> str:
    """A name for public lists: the family name and the last character (张*三)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
