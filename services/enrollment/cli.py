"""Enrollment commands: import a bank's reconciliation file into the payment ledger, import
a roster, and manage partner systems (`gridgov enrollment partners add|rotate|disable|…`)."""

from __future__ import annotations

import asyncio
import csv
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from libs.common.app import settle_garbage_collector
from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork, create_engine, session_factory
from libs.common.errors import GridgovError
from libs.common.pii import PiiVault
from libs.common.settings import ServiceSettings, load_settings
from services.enrollment.partners.keys import SecretBox
from services.enrollment.partners.schemas import PartnerCreate, PartnerSecretIssued
from services.enrollment.payments import files
from services.enrollment.payments.file_workers import side_by_side


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the CPUs this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


DEFAULT_JOBS = min(_usable_cpus(), 4)
"""`import-payments` posts as many chunks at a time as it may use CPUs, four at most: each
worker holds a connection and about 150 MB, and a container's CPU quota does not show in
the CPUs a process may run on."""

app = typer.Typer(no_args_is_help=True)
T = TypeVar("T")


@app.callback()
def enrollment() -> None:
    """Enrollment and payments."""


@app.command("import-payments")
def import_payments(
    file: Annotated[Path, typer.Argument(help="The bank's CSV file", exists=True, readable=True)],
    partner: Annotated[str, typer.Option(help="The partner (bank or tax office) it came from")],
    report: Annotated[
        Path | None, typer.Option(help="Where to write the refused lines (default FILE.errors.csv)")
    ] = None,
    chunk: Annotated[int, typer.Option(help="Lines per transaction", min=1)] = files.CHUNK_LINES,
    jobs: Annotated[
        int, typer.Option(help="Chunks posted side by side, each by its own process", min=1)
    ] = DEFAULT_JOBS,
) -> None:
    """Post every line of a reconciliation file; refused lines go to an error report."""
    settings = load_settings("enrollment")
    if not asyncio.run(_partner_known(settings, partner)):
        raise typer.BadParameter(f"unknown or disabled partner {partner!r}", param_hint="--partner")
    data = file.read_bytes()
    total = max(data.count(b"\n") - 1, 0)

    async def run() -> files.FileReport:
        settle_garbage_collector()
        engine = create_engine(settings.db_url())
        key = settings.pii_key.get_secret_value()
        try:
            with (
                side_by_side(settings.db_url(), key, jobs, total, chunk) as workers,
                _progress() as bar,
            ):
                task = bar.add_task(file.name, total=total)
                return await files.import_file(
                    session_factory(engine),
                    partner,
                    data,
                    PiiVault(key),
                    name=file.name,
                    chunk_lines=chunk,
                    progress=lambda n: bar.advance(task, n),
                    workers=workers,
                )
        finally:
            await engine.dispose()

    try:
        result = asyncio.run(run())
    except GridgovError as exc:
        typer.echo(f"{file}: {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    except KeyboardInterrupt:
        typer.echo(f"{file}: {files.INTERRUPTED}", err=True)
        raise typer.Exit(130) from None
    _summarise(file, result, report or file.with_name(file.name + ".errors.csv"))


@app.command("import-roster")
def import_roster(
    file: Annotated[Path, typer.Argument(help="The roster (CSV)", exists=True, readable=True)],
    scheme: Annotated[str, typer.Option(help="Scheme code to enroll in")],
    year: Annotated[int, typer.Option(help="Scheme year")],
    unit: Annotated[str, typer.Option(help="Your jurisdiction: lines outside it are refused")],
    chunk: Annotated[int, typer.Option(help="Lines per transaction", min=1)] = 2_000,
) -> None:
    """Register and enroll every resident of a roster; refused lines go to FILE.errors.csv."""
    from services.enrollment.enrollments import roster

    settings = load_settings("enrollment")
    operator = Principal("cli", frozenset({Role.DISTRICT_ADMIN}), unit)
    data = file.read_bytes()

    async def run(bar: Progress) -> roster.RosterReport:
        engine = create_engine(settings.db_url())
        vault = PiiVault(settings.pii_key.get_secret_value())
        task = bar.add_task(file.name, total=max(data.count(b"\n") - 1, 0))
        try:
            return await roster.import_roster(
                session_factory(engine),
                operator,
                vault,
                scheme,
                year,
                data,
                chunk_lines=chunk,
                progress=lambda n: bar.advance(task, n),
            )
        finally:
            await engine.dispose()

    with _progress() as bar:
        try:
            report = asyncio.run(run(bar))
        except GridgovError as exc:
            typer.echo(f"{file}: {exc.detail}", err=True)
            raise typer.Exit(2) from exc
        except KeyboardInterrupt:
            typer.echo(f"{file}: {roster.INTERRUPTED}", err=True)
            raise typer.Exit(130) from None
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items()) if n)
    typer.echo(f"{file.name}: {report.lines} lines: {counts or 'nothing'}")
    refused = [(r.line_no, "", r.reason_code, r.detail) for r in report.refused]
    _write_errors(file.with_name(file.name + ".errors.csv"), refused)


async def _partner_known(settings: ServiceSettings, partner: str) -> bool:
    from services.enrollment.partners import service as partners_service
    from services.enrollment.partners.directory import configured_secrets

    engine = create_engine(settings.db_url(), pool_size=1, max_overflow=0)
    try:
        async with session_factory(engine)() as session:
            return await partners_service.is_known(session, partner, configured_secrets(settings))
    finally:
        await engine.dispose()


partners = typer.Typer(no_args_is_help=True, help="Partner systems: register, rotate, disable.")
app.add_typer(partners, name="partners")
PartnerArg = Annotated[str, typer.Argument(help="The partner's id (its X-Partner-Id)")]


def _operator() -> Principal:
    import getpass

    return Principal(f"cli:{getpass.getuser()}", frozenset({Role.DISTRICT_ADMIN}), "")


def _partners(use_case: Callable[[UnitOfWork, SecretBox, dict[str, str]], Awaitable[T]]) -> T:
    """Run one partner use case against the configured database, as the CLI operator."""
    from services.enrollment.partners.directory import configured_secrets

    settings = load_settings("enrollment")

    async def run() -> T:
        engine = create_engine(settings.db_url(), pool_size=1, max_overflow=0)
        try:
            async with session_factory(engine)() as session, UnitOfWork(session) as uow:
                box = SecretBox(settings.pii_key.get_secret_value())
                return await use_case(uow, box, configured_secrets(settings))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except GridgovError as exc:
        typer.echo(exc.detail, err=True)
        raise typer.Exit(2) from exc


def _show_secret(issued: PartnerSecretIssued) -> None:
    typer.echo(f"partner {issued.partner.partner_id} secret (shown once, store it now):")
    typer.echo(issued.secret)
    if issued.partner.previous_until is not None:
        until = issued.partner.previous_until.isoformat()
        typer.echo(f"the previous secret verifies until {until}")


@partners.command("add")
def partners_add(
    partner: PartnerArg,
    name: Annotated[str, typer.Option(help="Its name, e.g. the bank's branch")],
    kind: Annotated[str, typer.Option(help="tax | bank")],
) -> None:
    """Register a partner; its secret is printed once."""
    from services.enrollment.partners import service as partners_service

    try:
        body = PartnerCreate.model_validate({"partner_id": partner, "name": name, "kind": kind})
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    issued = _partners(
        lambda uow, box, _: partners_service.register(uow, _operator(), body, box, _now())
    )
    _show_secret(issued)


@partners.command("rotate")
def partners_rotate(
    partner: PartnerArg,
    overlap: Annotated[
        float | None,
        typer.Option(help="Seconds the old secret still verifies (default: the setting)"),
    ] = None,
) -> None:
    """Give a partner a new secret (printed once); the old one verifies for the overlap."""
    from services.enrollment.partners import service as partners_service

    seconds = overlap
    if seconds is None:
        seconds = load_settings("enrollment").partner_rotation_overlap_seconds
    issued = _partners(
        lambda uow, box, configured: partners_service.rotate(
            uow, _operator(), partner, box, timedelta(seconds=seconds), _now(), configured
        )
    )
    _show_secret(issued)


@partners.command("disable")
def partners_disable(partner: PartnerArg) -> None:
    """Refuse a partner's requests and topic events (within the cache bound, no restart)."""
    _set_enabled(partner, enabled=False)


@partners.command("enable")
def partners_enable(partner: PartnerArg) -> None:
    """Accept a disabled partner again."""
    _set_enabled(partner, enabled=True)


def _set_enabled(partner: str, *, enabled: bool) -> None:
    from services.enrollment.partners import service as partners_service

    read = _partners(
        lambda uow, box, configured: partners_service.set_enabled(
            uow, _operator(), partner, enabled, box, _now(), configured
        )
    )
    typer.echo(f"partner {read.partner_id} {'enabled' if read.enabled else 'disabled'}")


@partners.command("list")
def partners_list() -> None:
    """Every partner and its state (never a secret)."""
    from services.enrollment.partners import service as partners_service

    rows = _partners(
        lambda uow, box, configured: partners_service.list_partners(
            uow, _operator(), box, _now(), configured
        )
    )
    for row in rows:
        state = "enabled" if row.enabled else "disabled"
        overlap = (
            f", previous secret until {row.previous_until.isoformat()}"
            if (row.previous_until and row.previous_until > _now())
            else ""
        )
        typer.echo(f"{row.partner_id}\t{row.kind}\t{state}\t{row.name}{overlap}")


def _now() -> datetime:
    return datetime.now(UTC)


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )


def _write_errors(report: Path, lines: list[tuple[int, str, str, str]]) -> None:
    if not lines:
        return
    with report.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "transaction_id", "reason_code", "detail"])
        writer.writerows(lines)
    typer.echo(f"{len(lines)} refused line(s) listed in {report}")


def _summarise(file: Path, result: files.FileReport, report: Path) -> None:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(result.counts.items()))
    typer.echo(f"{file.name}: {result.lines} lines: {counts or 'nothing'}")
    typer.echo(f"delivery {result.delivery_id}")
    if result.same_file_as is not None:
        typer.echo(f"this file was imported before (delivery {result.same_file_as})")
    refused = [
        (o.line_no, o.txn or "", o.reason_code or "", o.detail or "") for o in result.rejected
    ]
    _write_errors(report, refused)
