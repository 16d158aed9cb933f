"""What the scoring benchmarks share: a scratch database, a baseline, the machine, results
(server, percentiles and the results file are `bench.harness`'s).

Each benchmark creates its own database on GRIDGOV_BENCH_DATABASE_URL (default: the
machine's PostgreSQL at 127.0.0.1:5432), migrates it, and drops it afterwards. Because the
machine is shared, each also measures a baseline in the same run and reports the ratio.
"""

from __future__ import annotations

import platform
import re
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.harness import RESULTS, percentile, server_url
from libs.common import migrations
from libs.common.service import Runtime
from libs.common.settings import ServiceSettings, load_settings
from services.scoring.app import SPEC
from tests.conftest import drop_database

JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123"


def settings_for(database: str) -> ServiceSettings:
    """Scoring settings on a scratch database, no background workers."""
    url = make_url(server_url()).set(database=database).render_as_string(hide_password=False)
    return load_settings(
        "scoring",
        env="test",
        service_database_url=url,
        jwt_secret=JWT_SECRET,
        run_workers=False,
        migrate_on_start=False,
        log_level="WARNING",
    )


@asynccontextmanager
async def scratch_runtime() -> AsyncIterator[Runtime]:
    """A scoring runtime on a fresh, migrated database that is dropped afterwards."""
    database = f"gridgov_bench_scoring_{uuid.uuid4().hex[:8]}"
    settings = settings_for(database)
    await migrations.upgrade(SPEC, settings)
    runtime = Runtime(SPEC, settings)
    try:
        yield runtime
    finally:
        await runtime.stop()
        await drop_database(settings.db_url())


def raw_dsn(runtime: Runtime) -> str:
    """The runtime's database as a plain asyncpg DSN."""
    url = make_url(runtime.settings.db_url()).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


async def select_one_p99(runtime: Runtime, rounds: int = 2000) -> float:
    """Baseline: p99 of a `SELECT 1` round trip through the service's engine, in ms."""
    times = []
    async with runtime.engine.connect() as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            await conn.execute(text("SELECT 1"))
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 99)


async def insert_rate(runtime: Runtime, rows: int = 200_000) -> float:
    """Baseline: rows per second of a plain multi-row INSERT (executemany) on one connection."""
    conn = await asyncpg.connect(raw_dsn(runtime))
    try:
        await conn.execute("CREATE TEMP TABLE bench_rows (id bigint, code text, amount numeric)")
        records = [(n, f"U{n % 5000:05d}", n % 1000) for n in range(rows)]
        started = time.perf_counter()
        await conn.executemany("INSERT INTO bench_rows VALUES ($1, $2, $3)", records)
        return rows / (time.perf_counter() - started)
    finally:
        await conn.close()


async def machine(runtime: Runtime) -> list[str]:
    """Lines naming the machine, the database server and the date."""
    async with runtime.engine.connect() as conn:
        version = await conn.scalar(text("SELECT version()"))
    return [
        f"- Machine: `{_run('uname', '-a')}`; nproc {_run('nproc')}; Python "
        f"{platform.python_version()}",
        f"- PostgreSQL: {version}",
        f"- Date: `{_run('date', '-u')}`",
    ]


def _run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def write_section(name: str, lines: Sequence[str]) -> None:
    """Replace (or add) `### name` under `## Scoring` in docs/benchmarks.md."""
    body = f"### {name}\n\n" + "\n".join(lines).rstrip() + "\n"
    document = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    scoring = re.search(r"^## Scoring\n(.*?)(?=^## |\Z)", document, re.M | re.S)
    if scoring is None:
        document = document.rstrip() + "\n\n## Scoring\n\n" + body
        RESULTS.write_text(document, encoding="utf-8")
        return
    section = scoring.group(1)
    pattern = re.compile(rf"^### {re.escape(name)}\n.*?(?=^### |\Z)", re.M | re.S)
    if pattern.search(section):
        section = pattern.sub(lambda _: body + "\n", section, count=1)
    else:
        section = section.rstrip() + "\n\n" + body + "\n"
    section = "\n" + section.strip() + "\n\n"
    document = document[: scoring.start(1)] + section + document[scoring.end(1) :]
    RESULTS.write_text(document.rstrip() + "\n", encoding="utf-8")
