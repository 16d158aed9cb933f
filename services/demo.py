"""The demo region loaded on the first `make up`: what a newcomer sees at once.

Each service adds its part through its public API, as a partner or an official would; the
parts run in this order because later ones build on earlier ones. What more than one part
needs (the region, the scheme, the year, the villagers per village) is kept here, so no
service's part imports another's.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

DISTRICT = "320115000000"
TOWNS = {"320115101000": "秣陵街道", "320115102000": "东山街道", "320115103000": "湖熟街道"}
VILLAGES = {
    "320115101001": "秣陵社区",
    "320115101002": "元山村",
    "320115102001": "东山社区",
    "320115102002": "上坊村",
    "320115103001": "湖熟社区",
    "320115103002": "周岗村",
}
SCHEME = "resident-medical-a"
SCHEME_POLICY = "resident_medical/variant-a"
"""The shipped scheme policy the demo's scheme-year is made from, and its campaign ranks."""
PERSONS_PER_VILLAGE = 20
PARTS = ("services.enrollment.demo", "services.scoring.demo")


PAYMENTS_DONE_BY = (11, 8)
"""The demo bank's payments fall on 3–7 November of the collection autumn (month, day)."""


def demo_year(now: datetime | None = None) -> int:
    """The scheme-year of the demo: next year's, collected this autumn, once this autumn's
    demo payments lie in the past; before that, this year's, collected last autumn (the
    service refuses money dated in its future)."""
    now = now or datetime.now(UTC)
    return now.year + 1 if (now.month, now.day) >= PAYMENTS_DONE_BY else now.year


def load(env: dict[str, str]) -> None:
    """Load every service's demo part against the running stack."""
    for name in PARTS:
        importlib.import_module(name).load(env)
