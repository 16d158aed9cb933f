"""An unexpected exception reaches no client raw: a 500 problem document carrying the
request id, the stack in the log, and the client's keep-alive connection still usable.

The app is the platform's own (`create_service_app`), served by a real uvicorn server on
a local socket (the same HTTP stack as `gridgov serve`), so that a dropped connection shows.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest
import uvicorn
from fastapi import APIRouter, Request
from sqlalchemy import MetaData
from structlog.testing import capture_logs

from libs.common.access import allow, public
from libs.common.app import create_service_app
from libs.common.auth import Principal
from libs.common.errors import PROBLEM_JSON, RuleViolation
from libs.common.service import Runtime, ServiceSpec
from libs.common.settings import load_settings

router = APIRouter()
Anyone = Annotated[Principal, allow(public())]
"""The probe's routes declare their access like every route (no credentials needed)."""


@router.get("/boom")
async def boom(_: Anyone) -> None:
    """A route failing as a bug would."""
    raise RuntimeError("an injected failure")


@router.get("/refused")
async def refused(_: Anyone) -> None:
    """A route refusing by a business rule."""
    raise RuleViolation("Not allowed.", field="count")


@router.get("/port")
async def port(request: Request, _: Anyone) -> dict[str, int]:
    """The client's port, as the server sees it: one port, one connection."""
    assert request.client is not None
    return {"port": request.client.port}


@pytest.fixture
async def server() -> AsyncIterator[str]:
    spec = ServiceSpec(
        name="probe",
        title="probe",
        description="",
        metadata=MetaData(),
        migrations=Path("."),
        routers=[router],
    )
    settings = load_settings(
        "scoring",
        env="test",
        database_url="postgresql://nobody@127.0.0.1:9/none",
        jwt_secret="test-jwt-secret-0123456789abcdef0123",
        run_workers=False,
        migrate_on_start=False,
    )
    runtime = Runtime(spec, settings)  # never connects: no route here uses the database
    app = create_service_app(spec, settings, runtime)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        # No lifespan: it would configure this test process's logging; the runtime is given.
        app,
        http="httptools",
        log_config=None,
        access_log=False,
        lifespan="off",
    )
    uvicorn_server = uvicorn.Server(config)
    task = asyncio.create_task(uvicorn_server.serve(sockets=[sock]))
    for _ in range(500):  # uvicorn offers a flag, not an event, for "listening"
        if uvicorn_server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        uvicorn_server.should_exit = True
        await task
        await runtime.stop()
        sock.close()


def _local_port(response: httpx.Response) -> int:
    port: int = response.extensions["network_stream"].get_extra_info("client_addr")[1]
    return port


async def test_an_unexpected_error_is_a_500_problem_with_its_request_id_on_a_kept_connection(
    server: str,
) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    ports: list[int] = []

    async def note_port(response: httpx.Response) -> None:
        ports.append(_local_port(response))

    hooks = {"response": [note_port]}
    async with httpx.AsyncClient(base_url=server, limits=limits, event_hooks=hooks) as client:
        with capture_logs() as logs:
            failed = await client.get("/v1/boom")
            again = await client.get("/v1/boom", headers={"X-Request-ID": "req-boom"})
        after = await client.get("/v1/port")

    for response in (failed, again):
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM_JSON
        body = response.json()
        assert body["status"] == 500 and body["instance"] == "/v1/boom"
        assert body["request_id"] == response.headers["X-Request-ID"]
        assert "injected" not in response.text, "the exception's text is for the log only"
    assert again.json()["request_id"] == "req-boom"
    # The same connection served all three: the server did not drop it after the 500s.
    assert ports[0] == ports[1] == ports[2]
    assert after.status_code == 200 and after.json()["port"] == ports[0]
    [first, second] = [entry for entry in logs if entry["event"] == "unhandled error"]
    assert first["exc_info"] is True and first["path"] == "/v1/boom"
    assert second["log_level"] == "error"


async def test_a_domain_error_stays_a_4xx_problem_naming_its_field(server: str) -> None:
    async with httpx.AsyncClient(base_url=server) as client:
        response = await client.get("/v1/refused", headers={"X-Request-ID": "req-rule"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["field"] == "count"
    assert response.json()["request_id"] == "req-rule"
