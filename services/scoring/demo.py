"""Scoring's part of the demo: the villages ranked live on resident medical enrollment, a
first snapshot (so a circular exists), and the platform's basic credit of three entities.

The bundled stage policy scores progress inside the campaign year's stages, while this
autumn's collection for next year reports progress today; the demo campaign is therefore
ranked on the plain completion rate, which gives a spread at once.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx

from libs.common import auth
from libs.common.identifiers import credit_code_check_char
from services.demo import (
    DISTRICT,
    PERSONS_PER_VILLAGE,
    SCHEME,
    SCHEME_POLICY,
    VILLAGES,
    demo_year,
)
from services.scoring.domain.business_calendar import SHANGHAI
from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.domain.periods import SNAPSHOT_HOUR, latest_closing_day

CAMPAIGN = "demo-resident-medical"
WAIT_SECONDS = 30.0
ENTITIES = (
    ("320115101001", "秣陵燃气站", 70),
    ("320115102002", "上坊建材厂", 58),
    ("320115103002", "周岗物流园", 47),
)
DIMENSIONS = ("identity", "behaviour", "innovation", "financial_strength", "law_abiding")


def campaign(year: int) -> dict[str, Any]:
    """The demo campaign: the six villages ranked by their completion rate of the task."""
    policy = {
        "version": "demo_resident_medical_rate.v1",
        "name": "居民医保参保征缴 (演示)",
        "subject": "village",
        "scheme_policy": SCHEME_POLICY,
        "metric": "deposited_enrollments",
        "formula": "rate",
        "cadences": ["weekly_friday", "monthly", "quarterly"],
        "pools": [{"code": "villages", "label": "村(居)", "unit_categories": ["village"]}],
        "phase": {"starts": "01-01", "ends": "12-31"},
    }
    units = [
        {"unit_code": code, "name": name, "category": "village", "task": PERSONS_PER_VILLAGE}
        for code, name in VILLAGES.items()
    ]
    return {
        "code": CAMPAIGN,
        "name": f"{year}年度居民医保参保征缴",
        "scope_unit": DISTRICT,
        "year": year,
        "scheme": SCHEME,
        "policy": policy,
        "units": units,
    }


def entity_code(n: int) -> str:
    """A valid (check character and all) fictitious unified social credit code."""
    first17 = f"91320115MA1{n:06d}"
    return first17 + credit_code_check_char(first17)


def load(env: dict[str, str]) -> None:
    """Define the campaign, wait for its live ranking, snapshot it, post basic credit."""
    token = auth.mint_token(
        env["GRIDGOV_JWT_SECRET"], subject="demo", roles=["district_admin"], jurisdiction=DISTRICT
    )
    admin = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=env["GRIDGOV_SCORING_URL"], timeout=30) as client:
        _ok(client.post("/v1/campaigns", json=campaign(demo_year()), headers=admin), 409)
        ranked = _wait_for_scores(client, admin)
        # The latest week that has ended (a week still running cannot be snapshotted).
        friday = latest_closing_day(
            SnapshotCadence.WEEKLY_FRIDAY, datetime.now(SHANGHAI), SNAPSHOT_HOUR
        )
        body = {"cadence": "weekly_friday", "on": friday.isoformat()}
        _ok(client.post(f"/v1/campaigns/{CAMPAIGN}/snapshots", json=body, headers=admin))
        for n, (unit, name, level) in enumerate(ENTITIES, start=1):
            basic = {
                "unit_code": unit,
                "name": name,
                "dimensions": dict.fromkeys(DIMENSIONS, level),
            }
            _ok(
                client.put(f"/v1/credit/entities/{entity_code(n)}/basic", json=basic, headers=admin)
            )
    state = "ranked" if ranked else "not ranked yet (events still on their way)"
    print(
        f"demo: campaign {CAMPAIGN} {state}, snapshot taken, {len(ENTITIES)} credit records",
        flush=True,
    )


def _wait_for_scores(client: httpx.Client, admin: dict[str, str]) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    url = f"/v1/campaigns/{CAMPAIGN}/pools/villages/ranking"
    while time.monotonic() < deadline:
        units = _ok(client.get(url, headers=admin))["units"]
        if any(float(u["score"]) > 0 for u in units):
            return True
        time.sleep(0.5)
    return False


def _ok(response: httpx.Response, *accepted: int) -> Any:
    if response.status_code >= 300 and response.status_code not in accepted:
        raise SystemExit(f"demo: {response.request.url} answered {response.text}")
    return response.json()
