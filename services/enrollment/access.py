"""Who may do what in enrollment: roles, jurisdiction and the showing of ID numbers.

Resident ID numbers are personal data (DOMAIN §0, PIPL-style minimisation): every response
and every export shows them masked (`3201**********123X`), whatever the caller's role. A
role that needs a whole number asks for it, one person at a time, with a stated reason
(`POST /v1/persons/{id}/reveal`), and every reveal is recorded for the auditor.

Who may reveal (DOMAIN §5), `REVEAL_ID_ROLES`:

- the village officer, who registers residents and collects at the door: the number is
  what the tax office and the bank know the person by, so a payer who cannot be found, or a
  roster line that disagrees with the register, is settled with the whole number in hand;
- the auditor (纪委), who checks that every subsidized person is counted once across
  departments (000:L330): that cross-check compares whole numbers with other registers.

Every other role (district admin, town officer, grid member) works on masked numbers only:
their rankings, tasks and circulars never need one person's number, and a person is found
by number through search, which takes the number from the caller and reveals nothing.
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


def shown_resident_id(number: str) -> str:
    """The ID number as every response and export shows it: masked, for every role."""
    return identifiers.mask_resident_id(number)


def require_reveal(user: Principal) -> str:
    """403 unless the caller may reveal whole ID numbers; the role it reveals as."""
    ensure_role(user, *REVEAL_ID_ROLES)
    return next(role for role in REVEAL_ID_ROLES if user.has_any(role))


def mask_name(name: str) -> str:
    """A name for public lists: the family name and the last character (张*三)."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
