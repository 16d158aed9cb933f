"""The whole stack as real processes: an embedded broker, enrollment and scoring.

Each test gets its own broker (on a fixed port, so it can be restarted on the same
address), its own databases (dropped before and after) and its own topic prefix. The
tails of the processes' logs are attached to a failing test's report.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Generator
from pathlib import Path

import pytest

from libs.common import embedded
from tests.conftest import drop_database
from tests.support.stack import (
    SERVICES,
    ServiceProcess,
    Stack,
    asyncpg_url,
    environment,
    service_database_url,
)

STACK_KEY = pytest.StashKey[Stack]()


@pytest.fixture
async def stack(
    request: pytest.FixtureRequest, pg_server_url: str, worker_id: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    """Broker, enrollment and scoring running and healthy; everything stopped afterwards."""
    run = uuid.uuid4().hex[:6]
    database_urls = {
        service: service_database_url(pg_server_url, f"gridgov_e2e_{worker_id}_{run}_{service}")
        for service in SERVICES
    }
    for url in database_urls.values():
        await drop_database(asyncpg_url(url))
    ports = {service: embedded.free_port() for service in SERVICES}
    broker_port = embedded.free_port()
    env = environment(pg_server_url, database_urls, broker_port, ports, f"e2e{run}.")
    stack = Stack(
        broker_port=broker_port,
        broker_log=tmp_path / "broker.log",
        services={
            service: ServiceProcess(service, ports[service], env, tmp_path / f"{service}.log")
            for service in SERVICES
        },
        database_urls={service: asyncpg_url(url) for service, url in database_urls.items()},
    )
    request.node.stash[STACK_KEY] = stack
    try:
        stack.start_broker()
        # Enrollment first: both services create their databases at start.
        stack.enrollment.start()
        await stack.enrollment.wait_healthy()
        stack.scoring.start()
        await stack.scoring.wait_healthy()
        yield stack
    finally:
        await asyncio.to_thread(stack.teardown)
        for url in database_urls.values():
            try:
                await drop_database(asyncpg_url(url))
            except Exception as exc:
                stack.notes.append(f"dropping {url}: {exc!r}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the stack's log tails to the report of a failing test."""
    report = yield
    stack = item.stash.get(STACK_KEY, None)
    if stack is not None and report.failed:
        for title, tail in stack.log_tails():
            report.sections.append((title, tail or "(empty)"))
        if stack.notes:
            report.sections.append(("stack notes", "\n".join(stack.notes)))
    return report
