"""What every benchmark needs: services as real processes on fresh databases, load, figures.

Databases go on the server named by GRIDGOV_BENCH_DATABASE_URL (default: the machine's
PostgreSQL at 127.0.0.1:5432) under names unique to the run, and are dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common import embedded
from tests.conftest import drop_database
from tests.support.stack import ServiceProcess, Stack, asyncpg_url, environment
from tests.support.stack import service_database_url as database_url_of

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def server_url() -> str:
    """The PostgreSQL server the benchmark's databases go on."""
    return os.environ.get("GRIDGOV_BENCH_DATABASE_URL", DEFAULT_SERVER)


@asynccontextmanager
async def running(
    services: Sequence[str], *, workers: int = 1, workers_of: Mapping[str, int] | None = None
) -> AsyncIterator[Stack]:
    """A broker and `services` as processes on fresh databases; all gone afterwards.

    Each service runs `workers` processes, or as many as `workers_of` names for it."""
    server, run = server_url(), uuid.uuid4().hex[:6]
    urls = {s: database_url_of(server, f"gridgov_bench_{run}_{s}") for s in services}
    ports = {s: embedded.free_port() for s in ("enrollment", "scoring")}
    broker_port = embedded.free_port()
    env = environment(server, urls, broker_port, ports, f"bench{run}.")
    env["GRIDGOV_LOG_LEVEL"] = "WARNING"
    logs = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    stack = Stack(
        broker_port=broker_port,
        broker_log=logs / "broker.log",
        services={
            s: ServiceProcess(
                s, ports[s], env, logs / f"{s}.log", workers=(workers_of or {}).get(s, workers)
            )
            for s in services
        },
        database_urls={s: asyncpg_url(u) for s, u in urls.items()},
    )
    try:
        stack.start_broker()
        for service in stack.services.values():
            service.start()
            await service.wait_healthy()
        yield stack
    finally:
        await asyncio.to_thread(stack.teardown)
        for url in stack.database_urls.values():
            await drop_database(url)


def rss_mb(process: ServiceProcess) -> float:
    """Resident memory of a service: its process and every worker it forked, in MB."""
    assert process.process is not None
    root = psutil.Process(process.process.pid)
    total = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
    return total / 1_048_576


def cpu_seconds(process: ServiceProcess) -> float:
    """CPU time (user and system) a service has used so far: its process and its workers."""
    assert process.process is not None
    root = psutil.Process(process.process.pid)
    times = [p.cpu_times() for p in [root, *root.children(recursive=True)]]
    return sum(t.user + t.system for t in times)


class PeakRss:
    """Samples a service's RSS in the background; `peak` is the highest seen."""

    def __init__(self, process: ServiceProcess, every: float = 0.25) -> None:
        self.process, self.every, self.peak = process, every, 0.0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> PeakRss:
        self._task = asyncio.create_task(self._sample())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.process))
            await asyncio.sleep(self.every)


async def postgres_version() -> str:
    """The benchmark server's version string."""
    engine = create_async_engine(asyncpg_url(server_url()))
    try:
        async with engine.connect() as conn:
            return str(await conn.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()


async def machine() -> str:
    """One line naming the machine and the database server, for the results."""
    return f"{host()}, PostgreSQL {await postgres_version()}"


def host() -> str:
    """Cores, CPU model, memory, OS and Python of this machine."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


def table(rows: Sequence[tuple[str, str, str]]) -> str:
    """A markdown table of (figure, value, target) rows."""
    lines = ["| figure | value | target |", "|---|---|---|"]
    lines += [f"| {figure} | {value} | {target} |" for figure, value, target in rows]
    return "\n".join(lines)


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def record(section: str, body: str) -> None:
    """Replace `## section` in docs/benchmarks.md (or append it) with `body`."""
    text_ = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    header = f"## {section}\n"
    start = text_.find(header)
    if start == -1:
        text_ = text_.rstrip("\n") + "\n\n" + header + body.rstrip("\n") + "\n"
    else:
        end = text_.find("\n## ", start + len(header))
        rest = text_[end:] if end != -1 else "\n"
        text_ = text_[:start] + header + body.rstrip("\n") + "\n" + rest
    RESULTS.write_text(text_)


def stamp() -> str:
    """The date and time of the run (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def wrk_available() -> bool:
    """Whether the `wrk` load generator is installed (Debian package `wrk`)."""
    return subprocess.run(["which", "wrk"], capture_output=True).returncode == 0
