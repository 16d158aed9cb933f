"""Partners are data: registered, rotated, disabled and enabled with no restart, every
change audited, a secret shown only by the answer that made it."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from libs.common import auth
from services.enrollment.cli import app as cli
from services.enrollment.partners.directory import register_configured
from services.enrollment.partners.models import Partner, PartnerChange
from tests.conftest import OTHER_PARTNER, PARTNER, PARTNER_SECRET, bearer, signed
from tests.integration.enrollment.test_files import partner_event
from tests.support.commands import enrollment_env
from tests.support.enrollment import enroll_many, notice, prepare_region

VILLAGE = "320115101001"
ADMIN = bearer(["district_admin"], "320115", subject="admin-wang")
AUDITOR = bearer(["auditor"], "320115", subject="auditor-li")
NEW_BANK = {"partner_id": "jsbank-nj", "name": "Jiangsu Bank Nanjing", "kind": "bank"}


def signed_get(partner: str, secret: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "X-Partner-Id": partner,
        "X-Gridgov-Timestamp": timestamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(secret, timestamp, b""),
    }


async def deliveries_as(client: Any, partner: str, secret: str) -> int:
    """The status of a signed read as this partner with this secret."""
    response = await client.get("/v1/partner/deliveries", headers=signed_get(partner, secret))
    return int(response.status_code)


async def register(client: Any, body: dict[str, str] = NEW_BANK) -> str:
    response = await client.post("/v1/partners", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


async def everything_said_and_stored(client: Any) -> str:
    """Every later answer about partners and every stored partner row, as one text."""
    listed = await client.get("/v1/partners", headers=ADMIN)
    changes = await client.get("/v1/partner-changes", headers=AUDITOR)
    assert listed.status_code == 200 and changes.status_code == 200
    async with client.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(Partner.__table__))).all()
        trail = (await conn.execute(select(PartnerChange.__table__))).all()
    return listed.text + changes.text + repr(rows) + repr(trail)


async def test_a_registered_partner_signs_with_the_secret_shown_once(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(0, VILLAGE)])
    refused = await client.post(
        "/v1/partners", json=NEW_BANK, headers=bearer(["town_officer"], "320115101")
    )
    assert refused.status_code == 403
    assert await deliveries_as(client, NEW_BANK["partner_id"], "guess") == 401

    secret = await register(client)
    raw, headers = signed(notice(0), partner=NEW_BANK["partner_id"], secret=secret)
    paid = await client.post("/v1/partner/payments", content=raw, headers=headers)
    assert paid.status_code == 201, paid.text
    again = await client.post("/v1/partners", json=NEW_BANK, headers=ADMIN)
    assert again.status_code == 409 and secret not in again.text

    said = await everything_said_and_stored(client)
    assert secret not in said
    assert NEW_BANK["partner_id"] in said and "admin-wang" in said
    listed = (await client.get("/v1/partners", headers=AUDITOR)).json()
    assert {p["partner_id"] for p in listed} >= {NEW_BANK["partner_id"], PARTNER}
    assert all("secret" not in p for p in listed)


async def test_after_a_rotation_both_secrets_verify_for_the_overlap_then_only_the_new(
    client_for,
):
    client = await client_for("enrollment", partner_rotation_overlap_seconds=2.0)
    old = await register(client)
    rotated = await client.post(f"/v1/partners/{NEW_BANK['partner_id']}/rotate", headers=ADMIN)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["partner"]["previous_until"] is not None
    assert await deliveries_as(client, NEW_BANK["partner_id"], new) == 200
    assert await deliveries_as(client, NEW_BANK["partner_id"], old) == 200
    await asyncio.sleep(2.2)
    assert await deliveries_as(client, NEW_BANK["partner_id"], old) == 401
    assert await deliveries_as(client, NEW_BANK["partner_id"], new) == 200

    said = await everything_said_and_stored(client)
    assert old not in said and new not in said
    changes = "/v1/partner-changes?partner_id=" + NEW_BANK["partner_id"]
    trail = (await client.get(changes, headers=AUDITOR)).json()
    assert [c["action"] for c in trail] == ["rotated", "registered"]
    assert trail[0]["actor"] == "admin-wang"


async def test_a_disabled_partner_is_refused_on_every_path_until_enabled(client_for):
    client = await client_for("enrollment")
    await prepare_region(client)
    await enroll_many(client, [(n, VILLAGE) for n in range(3)])
    applier = client.runtime.applier()
    # The configured partner (GRIDGOV_PARTNER_SECRETS) is managed like any other.
    assert await applier.apply([partner_event(0, PARTNER_SECRET, PARTNER, prefix="R")]) == [
        "applied"
    ]

    disabled = await client.post(f"/v1/partners/{PARTNER}/disable", headers=ADMIN)
    assert disabled.status_code == 200 and disabled.json()["enabled"] is False
    raw, headers = signed(notice(1))
    assert (
        await client.post("/v1/partner/payments", content=raw, headers=headers)
    ).status_code == 401
    assert await deliveries_as(client, PARTNER, PARTNER_SECRET) == 401
    upload = signed_get(PARTNER, PARTNER_SECRET)  # an empty file, signed
    uploaded = await client.post(
        "/v1/partner/payment-files?name=bank.csv", content=b"", headers=upload
    )
    assert uploaded.status_code == 401, uploaded.text
    applier = client.runtime.applier()  # a consumer started after the change
    assert await applier.apply([partner_event(2, PARTNER_SECRET, PARTNER, prefix="R")]) == [
        "dead_lettered"
    ]

    enabled = await client.post(f"/v1/partners/{PARTNER}/enable", headers=ADMIN)
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    assert (
        await client.post("/v1/partner/payments", content=raw, headers=headers)
    ).status_code == 201
    trail = (await client.get(f"/v1/partner-changes?partner_id={PARTNER}", headers=AUDITOR)).json()
    assert [c["action"] for c in trail] == ["enabled", "disabled", "registered"]
    assert trail[-1]["actor"] == "bootstrap:GRIDGOV_PARTNER_SECRETS"
    assert PARTNER_SECRET not in await everything_said_and_stored(client)


async def test_another_process_sees_a_change_within_the_cache_bound(client_for):
    bound = 1.0
    first = await client_for("enrollment", partner_cache_seconds=bound)
    second = await client_for("enrollment", partner_cache_seconds=bound)  # same database
    assert await deliveries_as(second, PARTNER, PARTNER_SECRET) == 200  # its copy is warm

    secret = await register(first)
    started = time.monotonic()
    while await deliveries_as(second, NEW_BANK["partner_id"], secret) != 200:
        assert time.monotonic() - started < bound + 0.5, "not seen within the bound"
        await asyncio.sleep(0.05)

    disabled = await first.post(f"/v1/partners/{PARTNER}/disable", headers=ADMIN)
    assert disabled.status_code == 200
    assert await deliveries_as(first, PARTNER, PARTNER_SECRET) == 401  # at once where changed
    started = time.monotonic()
    while await deliveries_as(second, PARTNER, PARTNER_SECRET) != 401:
        assert time.monotonic() - started < bound + 0.5, "not seen within the bound"
        await asyncio.sleep(0.05)


async def command(env: dict[str, str], *args: str) -> Any:
    """`gridgov enrollment ARGS` as an operator runs it (its own event loop, in a thread)."""
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=env)


async def test_operators_manage_partners_from_the_command_line(client_for):
    client = await client_for("enrollment", partner_cache_seconds=0.2)
    env = enrollment_env(client)
    added = await command(
        env, "partners", "add", "tax-nj", "--name", "Nanjing Tax", "--kind", "tax"
    )
    assert added.exit_code == 0, added.output
    secret = added.output.splitlines()[1]
    await asyncio.sleep(0.3)
    assert await deliveries_as(client, "tax-nj", secret) == 200

    rotated = await command(env, "partners", "rotate", "tax-nj", "--overlap", "0")
    assert rotated.exit_code == 0, rotated.output
    new = rotated.output.splitlines()[1]
    assert (await command(env, "partners", "disable", PARTNER)).exit_code == 0
    listed = await command(env, "partners", "list")
    assert listed.exit_code == 0, listed.output
    assert f"{PARTNER}\tbank\tdisabled" in listed.output
    assert "tax-nj\ttax\tenabled" in listed.output
    assert secret not in listed.output and new not in listed.output
    await asyncio.sleep(0.3)
    assert await deliveries_as(client, "tax-nj", secret) == 401
    assert await deliveries_as(client, "tax-nj", new) == 200
    assert await deliveries_as(client, PARTNER, PARTNER_SECRET) == 401
    assert (await command(env, "partners", "rotate", "no-such")).exit_code == 2
    assert (
        await command(env, "partners", "add", "x", "--name", "X", "--kind", "shop")
    ).exit_code == 2


async def test_configured_partners_are_registered_at_start_up_once(client_for):
    client = await client_for("enrollment")
    for _ in range(2):  # every process runs it at start-up: the second finds them there
        await register_configured(client.runtime)
    async with client.runtime.engine.connect() as conn:
        rows = (await conn.execute(select(Partner.partner_id, Partner.enabled))).all()
        trail = (await conn.execute(select(PartnerChange.partner_id, PartnerChange.actor))).all()
    assert sorted(rows) == [(OTHER_PARTNER, True), (PARTNER, True)]
    assert sorted(trail) == [
        (OTHER_PARTNER, "bootstrap:GRIDGOV_PARTNER_SECRETS"),
        (PARTNER, "bootstrap:GRIDGOV_PARTNER_SECRETS"),
    ]
    assert await deliveries_as(client, PARTNER, PARTNER_SECRET) == 200
