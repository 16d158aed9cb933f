"""Services as real processes beside an embedded broker: what e2e tests and benchmarks run.

The services run as `python -m services.cli serve …` subprocesses that write to log
files; a broker can be stopped and a new, empty one started on the same port.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common import auth, embedded
from tests.conftest import JWT_SECRET, PARTNER, PARTNER_SECRET, PII_KEY, ROOT

SERVICES = ("enrollment", "scoring")
LOG_TAIL_LINES = 60


def _stamp(log: Path, message: str) -> None:
    with log.open("a") as out:
        out.write(f"\n===== {time.strftime('%H:%M:%S')} {message} =====\n")


def log_tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file (empty when there is none)."""
    if not log.exists():
        return ""
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class ServiceProcess:
    """One service running as `gridgov serve` in a child process; restartable."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    workers: int = 1

    @property
    def url(self) -> str:
        """Base URL of the service."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        """Spawn the process (same database, same environment every time)."""
        assert not self.running, f"{self.name} is already running"
        self.starts += 1
        _stamp(self.log, f"start #{self.starts} of {self.name} on port {self.port}")
        command = [
            sys.executable,
            "-m",
            "services.cli",
            "serve",
            self.name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
            )

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        """Wait until `/healthz` answers 200 (the lifespan, migrations included, is done)."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=1.0) as client:
            while True:
                if self.process is not None and self.process.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited with {self.process.returncode} during start:\n"
                        + log_tail(self.log)
                    )
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(
                        f"{self.name} not healthy after {timeout:.0f}s:\n" + log_tail(self.log)
                    )
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing in flight is finished."""
        assert self.process is not None and self.running, f"{self.name} is not running"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        _stamp(self.log, f"{self.name} killed with SIGKILL")

    def stop(self) -> None:
        """Terminate, then kill if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


@dataclass
class Stack:
    """A broker and the services of one test."""

    broker_port: int
    broker_log: Path
    services: dict[str, ServiceProcess]
    database_urls: dict[str, str]
    broker: embedded.EmbeddedBroker | None = None
    broker_starts: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def enrollment(self) -> ServiceProcess:
        return self.services["enrollment"]

    @property
    def scoring(self) -> ServiceProcess:
        return self.services["scoring"]

    def start_broker(self) -> None:
        """Start a broker on the stack's port (a new, empty one after a restart)."""
        assert self.broker is None or self.broker.process.poll() is not None
        self.broker_starts += 1
        _stamp(self.broker_log, f"broker start #{self.broker_starts} on port {self.broker_port}")
        self.broker = embedded.start_broker(self.broker_port, self.broker_log)

    def stop_broker(self) -> None:
        """Stop the broker: it forgets every topic, message, group and offset."""
        if self.broker is not None:
            started = time.monotonic()
            self.broker.stop()
            # stop() kills without reaping when SIGTERM was not enough: wait for the exit, so
            # that the port is free and nobody mistakes the dying broker for the new one.
            self.broker.process.wait(10)
            _stamp(
                self.broker_log,
                f"broker stopped (exit {self.broker.process.returncode}, "
                f"{time.monotonic() - started:.1f}s)",
            )

    async def restart_broker(self, down_for: float = 0.0) -> None:
        """Stop the broker and start a new one on the same port (in a thread: it blocks)."""
        await asyncio.to_thread(self.stop_broker)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(self.start_broker)

    async def query(self, service: str, sql: str) -> list[dict[str, Any]]:
        """The rows of one query on a service's database."""
        engine = create_async_engine(self.database_urls[service])
        try:
            async with engine.connect() as conn:
                return [dict(r._mapping) for r in await conn.execute(text(sql))]
        finally:
            await engine.dispose()

    async def database_facts(self) -> dict[str, Any]:
        """Outbox, inbox and dead-letter counts, for failure messages."""
        queries = {
            "enrollment": {
                "payments": "SELECT count(*) FROM payment",
                "outbox": "SELECT count(*) FROM outbox",
                "outbox_unpublished": "SELECT count(*) FROM outbox WHERE published_at IS NULL",
            },
            "scoring": {
                "inbox": "SELECT count(*) FROM inbox",
                "dead_letters": "SELECT count(*) FROM dead_letter",
                "dead_letter_errors": "SELECT string_agg(DISTINCT left(error, 160), ' | ') "
                "FROM dead_letter",
                "checkpoints": "SELECT string_agg(source || '=' || position, ',') "
                "FROM sync_checkpoint",
            },
        }
        facts: dict[str, Any] = {}
        for service, named in queries.items():
            engine = create_async_engine(self.database_urls[service])
            try:
                async with engine.connect() as conn:
                    for name, query in named.items():
                        try:
                            facts[f"{service}.{name}"] = await conn.scalar(text(query))
                        except Exception as exc:
                            facts[f"{service}.{name}"] = repr(exc)[:200]
                            await conn.rollback()
            except Exception as exc:
                facts[service] = repr(exc)[:200]
            finally:
                await engine.dispose()
        return facts

    def log_tails(self) -> list[tuple[str, str]]:
        """(title, tail) of every log of the stack."""
        logs = [(name, svc.log) for name, svc in self.services.items()]
        logs.append(("broker", self.broker_log))
        return [(f"{name} log tail ({path})", log_tail(path)) for name, path in logs]

    def teardown(self) -> None:
        """Stop every process, whatever state the test left them in."""
        for service in self.services.values():
            try:
                service.stop()
            except Exception as exc:  # keep going: the broker must stop too
                self.notes.append(f"stopping {service.name}: {exc!r}")
        self.stop_broker()


def service_database_url(pg_server_url: str, name: str) -> str:
    return make_url(pg_server_url).set(database=name).render_as_string(hide_password=False)


def asyncpg_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def environment(
    pg_server_url: str,
    database_urls: dict[str, str],
    broker_port: int,
    ports: dict[str, int],
    topic_prefix: str,
) -> dict[str, str]:
    service_token = auth.mint_token(
        JWT_SECRET, subject="svc", roles=[auth.Role.SERVICE], jurisdiction="000000000000"
    )
    # Producers scoring also re-syncs from but that this stack does not run: a loopback
    # port nobody listens on, never whatever else may be on their default ports.
    nowhere = f"http://127.0.0.1:{embedded.free_port()}"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GRIDGOV_") and k != "KAFKA_BOOTSTRAP_SERVERS"
    }
    env.update(
        {
            "GRIDGOV_ENV": "test",
            "GRIDGOV_DATABASE_URL": pg_server_url,
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}",
            "GRIDGOV_JWT_SECRET": JWT_SECRET,
            "GRIDGOV_PII_KEY": PII_KEY,
            "GRIDGOV_PARTNER_SECRETS": json.dumps({PARTNER: PARTNER_SECRET}),
            "GRIDGOV_SERVICE_TOKEN": service_token,
            "GRIDGOV_ENROLLMENT_URL": f"http://127.0.0.1:{ports['enrollment']}",
            "GRIDGOV_SCORING_URL": f"http://127.0.0.1:{ports['scoring']}",
            "GRIDGOV_HAZARDS_URL": nowhere,
            "GRIDGOV_GRID_URL": nowhere,
            "GRIDGOV_TOPIC_PREFIX": topic_prefix,
            "GRIDGOV_RESYNC_INTERVAL_SECONDS": "1",
            "GRIDGOV_RESYNC_GRACE_SECONDS": "2",
            "GRIDGOV_RELAY_POLL_SECONDS": "0.5",
            "GRIDGOV_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for service, url in database_urls.items():
        env[f"GRIDGOV_{service.upper()}_DATABASE_URL"] = url
    return env
