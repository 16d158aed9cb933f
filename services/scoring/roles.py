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
