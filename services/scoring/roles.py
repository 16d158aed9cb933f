"""Who may do what in scoring (DOMAIN §5), named once."""

from __future__ import annotations

from libs.common.auth import Role

OFFICIALS = (
    Role.DISTRICT_ADMIN,
    Role.TOWN_OFFICER,
    Role.VILLAGE_OFFICER,
    Role.GRID_MEMBER,
    Role.INSPECTOR,
)
READERS = (*OFFICIALS, Role.AUDITOR, Role.SERVICE)
"""Read credit, rankings, snapshots, triggers and circulars (in their jurisdiction)."""

PLATFORM_POSTERS = (Role.DISTRICT_ADMIN, Role.SERVICE)
"""Post basic credit information and official grades (the provincial platform's account)."""

CAMPAIGN_MANAGERS = (Role.DISTRICT_ADMIN, Role.TOWN_OFFICER)
"""Define campaigns and take snapshots."""

REQUESTERS = (Role.ENTERPRISE, Role.DISTRICT_ADMIN, Role.TOWN_OFFICER, Role.VILLAGE_OFFICER)
"""Submit objections and credit-repair requests."""

DECIDERS = (Role.DISTRICT_ADMIN,)
"""Decide objections and credit-repair requests."""

PAYMENT_READERS = (*OFFICIALS, Role.AUDITOR)
"""Read a unit's payment tallies (officials and the auditor of its subtree)."""

ENTERPRISES = (Role.ENTERPRISE,)
"""Enterprise users: bound to their own credit code, they read their record and file requests."""

OFFICIAL_REQUESTERS = tuple(r for r in REQUESTERS if r != Role.ENTERPRISE)
"""Officials who file objections and repair requests for an entity of their jurisdiction."""
