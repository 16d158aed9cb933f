"""The `gridgov` command: run services, migrate, mint development tokens, run everything.

A composition root: it knows every service (their apps and `cli.py`), so it lives beside them
in `services/`, not in `libs/common`, which never imports a service (the import contracts in
pyproject.toml).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from libs.common import auth, processes
from libs.common.settings import DEFAULT_PORTS, SERVICES, load_settings

app = typer.Typer(help="gridgov: grassroots government services.", no_args_is_help=True)
ServiceArg = Annotated[str, typer.Argument(help="enrollment | hazards | grid | scoring")]


def _check_service(service: str) -> str:
    if service not in SERVICES:
        raise typer.BadParameter(
            f"unknown service {service!r}; choose one of {', '.join(SERVICES)}"
        )
    return service


def service_module(service: str):  # type: ignore[no-untyped-def]
    """The `services.<name>.app` module (its SPEC and create_app)."""
    return importlib.import_module(f"services.{_check_service(service)}.app")


KEEP_ALIVE_SECONDS = 75


@app.command()
def serve(
    service: ServiceArg,
    host: Annotated[str, typer.Option(help="Interface to bind")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(help="Port (default: the service's own)")] = None,
    workers: Annotated[int, typer.Option(help="Processes (one relay leader among them)")] = 1,
) -> None:
    """Run one service: its API, outbox relay and event consumers."""
    import uvicorn

    processes.end_with_parent()
    service_module(service)
    uvicorn.run(
        f"services.{service}.app:create_app",
        factory=True,
        workers=workers,
        host=host,
        port=port or DEFAULT_PORTS[service],
        # libuv's event loop and the C HTTP parser: the bare HTTP stack answers half as many
        # again as with asyncio's loop and h11 (GET /healthz, docs/benchmarks.md).
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # Longer than the idle timeout of clients' pools (httpx and requests keep 5 s) and of
        # load balancers (60 s): the server closing a connection the moment a client reuses
        # it fails that request with a broken connection.
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


@app.command()
def migrate(service: ServiceArg) -> None:
    """Create the service's database if missing and run its migrations."""
    from libs.common import migrations

    module = service_module(service)
    asyncio.run(migrations.upgrade(module.SPEC, load_settings(service)))
    typer.echo(f"{service}: database migrated")


@app.command()
def token(
    role: Annotated[list[str], typer.Option(help="Role (repeatable)")] = ["district_admin"],  # noqa: B006
    unit: Annotated[str, typer.Option(help="Jurisdiction unit code")] = "320115000000",
    subject: Annotated[str, typer.Option(help="User id")] = "dev-user",
    hours: Annotated[int, typer.Option(help="Validity")] = 8,
    credit_code: Annotated[
        str | None,
        typer.Option(help="Enterprise users: the unified social credit code they act for"),
    ] = None,
) -> None:
    """Mint a development access token (HS256, the generated secret in var/secrets.json)."""
    secret = os.environ.get("GRIDGOV_JWT_SECRET") or _dev_secrets()["jwt_secret"]
    typer.echo(
        auth.mint_token(
            secret,
            subject=subject,
            roles=role,
            jurisdiction=unit,
            ttl=timedelta(hours=hours),
            credit_code=credit_code,
        )
    )


@app.command()
def up(
    var: Annotated[Path, typer.Option(help="Where data and logs are kept")] = Path("var"),
) -> None:
    """Run everything on this machine: embedded PostgreSQL and broker, four services, demo data."""
    from services import devstack

    devstack.run(var.resolve())


@app.command("dead-letters")
def dead_letters(
    service: ServiceArg,
    replay: Annotated[bool, typer.Option(help="Apply them again (after a fix)")] = False,
) -> None:
    """List a service's dead letters, or replay them once the cause is fixed."""
    from libs.common.service import Runtime

    async def run() -> None:
        runtime = Runtime(service_module(service).SPEC, load_settings(service))
        try:
            if replay:
                typer.echo(f"replayed: {await runtime.applier().replay_dead_letters()}")
            else:
                for row in await runtime.dead_letters():
                    typer.echo(
                        f"{row.id}\t{row.created_at:%Y-%m-%d %H:%M}\t{row.type}\t{row.error}"
                    )
        finally:
            await runtime.engine.dispose()

    asyncio.run(run())


@app.command("events-doc")
def events_doc() -> None:
    """Regenerate docs/events.md from the event catalogue."""
    from libs.common.events import docs

    docs.main()


def _dev_secrets() -> dict[str, str]:
    path = Path("var/secrets.json")
    if not path.exists():
        raise typer.BadParameter(
            "no var/secrets.json: run `make up` once, or set GRIDGOV_JWT_SECRET"
        )
    data: dict[str, str] = json.loads(path.read_text())
    return data


def _add_service_commands() -> None:
    """Mount `services/<name>/cli.py` (a Typer app named `app`) as `gridgov <name> …`."""
    for service in SERVICES:
        try:
            module = importlib.import_module(f"services.{service}.cli")
        except ModuleNotFoundError as missing:
            if missing.name != f"services.{service}.cli":
                raise
            continue
        app.add_typer(module.app, name=service, help=module.__doc__)


def main() -> None:
    """Entry point of the console script."""
    import sys

    from services import devstack

    if sys.argv[1:2] != ["up"]:  # `up` starts its own stack; other commands talk to it
        devstack.use_running_stack()
    _add_service_commands()
    app()


if __name__ == "__main__":
    main()
