"""Test fixtures: a real PostgreSQL and a real Kafka-protocol broker, never mocks.

PostgreSQL is the embedded server (var/test-pg) unless GRIDGOV_TEST_DATABASE_URL names a
server (CI also runs the suite against the machine's PostgreSQL on 127.0.0.1:5432). Each
xdist worker gets its own databases and its own embedded broker (unless
KAFKA_BOOTSTRAP_SERVERS is set); each test gets its own topic prefix.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx

# Hypothesis's pytest plugin imports this module when it writes the session's summary. Left
# until then, pytest parses it after tests that ran worker processes beside their threads,
# and CPython 3.11's AST builder may fail with "recursion depth mismatch" (CPython issue
# 106905): the tests pass and the run exits 1. Imported at start-up, it is parsed before them.
import hypothesis.internal.observability  # noqa: F401
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from libs.common import auth, embedded, migrations
from libs.common.app import create_service_app
from libs.common.service import Runtime, ServiceSpec
from libs.common.settings import ServiceSettings, load_settings

ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "test-jwt-secret-0123456789abcdef0123"
PII_KEY = "test-pii-key"
PARTNER, PARTNER_SECRET = "test-bank", "test-bank-secret"
OTHER_PARTNER, OTHER_SECRET = "other-bank", "other-bank-secret"


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    """A database-name prefix unique to this run and worker.

    Several runs may share one PostgreSQL server (CI, a developer, the machine's server), so
    names carry the run id as well as the xdist worker (gw0, gw1 …).
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex
    return f"{run[:8]}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


@pytest.fixture(scope="session", autouse=True)
async def _drop_test_databases() -> AsyncIterator[None]:
    """Drop this worker's databases when the run ends."""
    yield
    for url in sorted(_migrated):
        await drop_database(url)


async def drop_database(url: str) -> None:
    """Drop a database, disconnecting whoever still uses it."""
    from sqlalchemy.ext.asyncio import create_async_engine

    target = make_url(url)
    admin = create_async_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        await admin.dispose()


EMBEDDED_PG_URL = "GRIDGOV_EMBEDDED_TEST_PG_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Start the embedded PostgreSQL once, in the controlling process, before any worker.

    Workers that each started it would race to initialise the same data directory; they
    inherit its URL instead. The controller's exit stops it (cleanup_mode="stop").
    """
    if os.environ.get("GRIDGOV_TEST_DATABASE_URL") or hasattr(config, "workerinput"):
        return
    if not _collects_database_tests(config):
        return
    url, server = embedded.start_postgres(ROOT / "var" / "test-pg")
    config.stash[_EMBEDDED_SERVER] = server
    os.environ[EMBEDDED_PG_URL] = url


_EMBEDDED_SERVER = pytest.StashKey[Any]()


def _collects_database_tests(config: pytest.Config) -> bool:
    """False when every path asked for lies under tests/unit (they need no database)."""
    unit = ROOT / "tests" / "unit"
    paths = [Path(a.split("::")[0]).resolve() for a in config.args] or [ROOT / "tests"]
    return not all(path.is_relative_to(unit) for path in paths)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the PostgreSQL server the tests use."""
    url = os.environ.get("GRIDGOV_TEST_DATABASE_URL") or os.environ.get(EMBEDDED_PG_URL)
    if not url:  # a unit-test run that reached a database test after all
        url, server = embedded.start_postgres(ROOT / "var" / "test-pg")
        _keep_alive.append(server)
    return url


_keep_alive: list[Any] = []


@pytest.fixture(scope="session")
def broker() -> Iterator[str]:
    """Bootstrap servers of a real Kafka-protocol broker."""
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    started = embedded.start_broker()
    yield started.bootstrap_servers
    started.stop()


def make_settings(
    service: str, pg_server_url: str, worker_id: str, bootstrap: str, **overrides: Any
) -> ServiceSettings:
    """Settings of one service in the tests: its own database per worker."""
    database = f"gridgov_t{worker_id}_{service}"
    url = make_url(pg_server_url).set(database=database).render_as_string(hide_password=False)
    values: dict[str, Any] = {
        "env": "test",
        "database_url": pg_server_url,
        "service_database_url": url,
        "kafka_bootstrap_servers": bootstrap,
        "jwt_secret": JWT_SECRET,
        "pii_key": PII_KEY,
        "partner_secrets": {PARTNER: PARTNER_SECRET, OTHER_PARTNER: OTHER_SECRET},
        "run_workers": False,
        "migrate_on_start": False,
        "relay_poll_seconds": 0.2,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return load_settings(service, **values)


def spec_of(service: str) -> ServiceSpec:
    """The ServiceSpec of a service."""
    module = __import__(f"services.{service}.app", fromlist=["SPEC"])
    spec: ServiceSpec = module.SPEC
    return spec


_migrated: set[str] = set()


async def runtime_for(service: str, settings: ServiceSettings) -> Runtime:
    """A runtime on a migrated, emptied database."""
    spec = spec_of(service)
    if settings.db_url() not in _migrated:
        await migrations.upgrade(spec, settings)
        _migrated.add(settings.db_url())
    runtime = Runtime(spec, settings)
    await truncate_all(runtime)
    return runtime


async def truncate_all(runtime: Runtime) -> None:
    """Empty every table but Alembic's (tests commit for real: the relay needs commits)."""
    async with runtime.engine.begin() as conn:
        names = (
            (
                await conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename <> 'alembic_version'"
                    )
                )
            )
            .scalars()
            .all()
        )
        await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY"))
        await conn.execute(text("ALTER SEQUENCE outbox_position_seq RESTART"))


@pytest.fixture
def topic_prefix() -> str:
    """A topic and consumer-group prefix unique to the test."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def settings_for(pg_server_url: str, worker_id: str, broker: str, topic_prefix: str) -> Any:
    """Build the settings of a service for this test."""

    def build(service: str, **overrides: Any) -> ServiceSettings:
        return make_settings(
            service, pg_server_url, worker_id, broker, topic_prefix=topic_prefix, **overrides
        )

    return build


@pytest.fixture
async def runtimes(settings_for: Any) -> AsyncIterator[Any]:
    """Start runtimes on demand; all are stopped after the test."""
    started: list[Runtime] = []

    async def start(service: str, **overrides: Any) -> Runtime:
        runtime = await runtime_for(service, settings_for(service, **overrides))
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        await runtime.stop()


@pytest.fixture
async def client_for(runtimes: Any) -> AsyncIterator[Any]:
    """An httpx client on a service's app (in process, real database)."""
    clients: list[httpx.AsyncClient] = []

    async def make(service: str, **overrides: Any) -> httpx.AsyncClient:
        runtime = await runtimes(service, **overrides)
        app = create_service_app(runtime.spec, runtime.settings, runtime)
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url=f"http://{service}")
        client.runtime = runtime  # type: ignore[attr-defined]
        client.asgi_transport = transport  # type: ignore[attr-defined]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def bearer(roles: list[str], unit: str, **kw: Any) -> dict[str, str]:
    """Authorization header of a test user."""
    token = auth.mint_token(
        JWT_SECRET, subject=kw.pop("subject", "tester"), roles=roles, jurisdiction=unit, **kw
    )
    return {"Authorization": f"Bearer {token}"}


def signed(
    body: dict[str, Any],
    *,
    partner: str = PARTNER,
    secret: str = PARTNER_SECRET,
    key: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A partner request body and its signed headers."""
    from services.enrollment.demo import signed_headers

    raw = json.dumps(body).encode()
    return raw, signed_headers(partner, secret, raw, key or uuid.uuid4().hex)


async def eventually(check: Any, timeout: float = 20.0, interval: float = 0.1) -> Any:
    """Poll an async check until it returns a truthy value or the timeout passes."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last: {result!r})")
        await asyncio.sleep(interval)
