"""Scoring commands: rebuild from the event log, snapshots, credit rescoring under a policy."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import typer

from libs.common.db import create_engine, session_factory
from libs.common.settings import load_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def rebuild(
    check: Annotated[
        bool, typer.Option("--check", help="Only compare with the live state; change nothing")
    ] = False,
) -> None:
    """Recompute metrics, ranks and scores from the event log (--check: compare only)."""
    from services.scoring import rebuild as rebuilding

    async def run() -> tuple[int, list[rebuilding.Difference]]:
        engine = create_engine(load_settings("scoring").db_url())
        try:
            return await rebuilding.rebuild(session_factory(engine), check=check)
        finally:
            await engine.dispose()

    events, differences = asyncio.run(run())
    for diff in differences[:50]:
        typer.echo(f"{diff.table} {diff.key}: live={diff.live} rebuilt={diff.rebuilt}")
    verb = "compared" if check else "rebuilt"
    typer.echo(f"{verb} from {events} events: {len(differences)} difference(s)")
    if check and differences:
        raise typer.Exit(1)


@app.command()
def snapshot(
    campaign: Annotated[str, typer.Argument(help="Campaign code")],
    cadence: Annotated[str, typer.Option(help="weekly_friday | monthly | quarterly")],
    on: Annotated[str | None, typer.Option(help="A day of the period (YYYY-MM-DD)")] = None,
) -> None:
    """Take a campaign's snapshot of a period now (the scheduler does this on its days)."""
    from libs.common.db import UnitOfWork
    from libs.common.errors import RuleViolation
    from services.scoring.campaigns.models import Campaign
    from services.scoring.domain.cadence import SnapshotCadence
    from services.scoring.snapshots import service

    async def run() -> str:
        engine = create_engine(load_settings("scoring").db_url())
        try:
            async with session_factory(engine)() as session, UnitOfWork(session) as uow:
                found = await session.get(Campaign, campaign)
                if found is None:
                    raise typer.BadParameter(f"no campaign {campaign}")
                day = date.fromisoformat(on) if on else service.today()
                try:
                    service.ensure_period_ended(SnapshotCadence(cadence), day, datetime.now(UTC))
                except RuleViolation as refused:
                    raise typer.BadParameter(refused.detail, param_hint="--on") from None
                snap, created = await service.take(uow, found, SnapshotCadence(cadence), day, "cli")
                await uow.commit()
                return f"{snap.period} {snap.id} {'taken' if created else 'already taken'}"
        finally:
            await engine.dispose()

    typer.echo(asyncio.run(run()))


@app.command("recompute-credit")
def recompute_credit(
    policy: Annotated[
        str | None,
        typer.Option(
            "--policy",
            help="A bundled version (credit_rules.v1) or a .toml file; default: the one in force",
        ),
    ] = None,
) -> None:
    """Put a credit policy in force and rescore every entity under it, in bulk."""
    from services.scoring.credit import policies, policy_change

    async def run() -> str:
        engine = create_engine(load_settings("scoring").db_url())
        sessions = session_factory(engine)
        try:
            if policy is None:
                async with sessions() as session:
                    rules = await policies.in_force(session)
            else:
                rules = policies.resolve(policy)
            done = await policy_change.recompute_all(sessions, rules, "cli")
        finally:
            await engine.dispose()
        return (
            f"{rules.version}: {done.entities} entities scored, {done.scores_changed} "
            f"score(s) and {done.grades_changed} grade(s) changed"
        )

    typer.echo(asyncio.run(run()))
