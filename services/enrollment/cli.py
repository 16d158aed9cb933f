"""Enrollment commands: import a bank's reconciliation file into the payment ledger."""

from __future__ import annotations

import asyncio
import csv
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from libs.common.app import settle_garbage_collector
from libs.common.db import create_engine, session_factory
from libs.common.errors import GridgovError
from libs.common.pii import PiiVault
from libs.common.settings import load_settings
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
    if partner not in settings.partner_secrets:
        raise typer.BadParameter(f"unknown partner {partner!r}", param_hint="--partner")
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
    from libs.common.auth import Principal, Role
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
