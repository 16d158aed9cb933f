"""The app factory every service uses: errors, request ids, metrics, health, workers."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from libs.common import access, bounds, kafka, migrations, openapi, readiness, resync
from libs.common.access import Anywhere, Policy, allow
from libs.common.asgi import HttpMiddleware
from libs.common.auth import Principal, Role
from libs.common.bounds import NulRefusalMiddleware
from libs.common.deps import RuntimeDep
from libs.common.errors import PROBLEM_JSON, install_error_handlers, problem
from libs.common.limits import BodyLimitMiddleware
from libs.common.logging import configure_logging, request_id_var
from libs.common.metrics import MetricsMiddleware
from libs.common.service import Runtime, ServiceSpec
from libs.common.settings import ServiceSettings

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware(HttpMiddleware):
    """Gives every request an id (the caller's `X-Request-ID`, or a new one) for the logs
    and the events it causes, and echoes it on the response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = Headers(scope=scope).get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


YOUNG_COLLECTION_EVERY = 10_000
"""Container objects allocated between two young-generation passes (CPython's default: 700)."""


def settle_garbage_collector() -> None:
    """Keep what start-up built out of the collector's full passes, and pass less often.

    Imports, models, policies and pools are long-lived; left in the collector's oldest
    generation, every full pass walked them all again: up to 140 ms with the event loop
    stopped, the p99 of a webhook answer at 100 payments/s. Frozen after start-up, a full
    pass walks only what requests have built since.

    A batch of payments builds tens of thousands of short-lived objects (rows, events,
    outcomes) that reference counting frees; at the default threshold the collector still
    ran every 700 of them, 15% of a bank file's import time. Every 10,000, it is about 2%.
    """
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, older, oldest)


def create_service_app(
    spec: ServiceSpec, settings: ServiceSettings, runtime: Runtime | None = None
) -> FastAPI:
    """A FastAPI app for one service; pass `runtime` to reuse an existing one (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(spec.name, settings.log_level)
        if settings.migrate_on_start:
            await migrations.upgrade(spec, settings)
        app.state.runtime = runtime or Runtime(spec, settings)
        if settings.run_workers:
            await app.state.runtime.start_workers()
        if runtime is None:  # a service process (tests share one process and runtime)
            settle_garbage_collector()
        try:
            yield
        finally:
            if runtime is None:
                await app.state.runtime.stop()

    app = FastAPI(
        title=spec.title,
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url="/v1/openapi.json",
        docs_url="/docs",
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    app.add_middleware(NulRefusalMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=spec.name)
    app.include_router(_platform_router(spec))
    for router in spec.routers:
        app.include_router(router, prefix="/v1")
    access.ensure_declared(app, public_documents(app))
    openapi.install(app, spec.problems)
    return app


def public_documents(app: FastAPI) -> list[str]:
    """The API's own documents FastAPI serves (OpenAPI, Swagger UI): public by policy."""
    paths = [app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url]
    return [p for p in paths if p]


PUBLIC = access.public()
"""Liveness, readiness and metrics: scraped and probed without credentials."""
RESYNC = Policy.of(((Role.SERVICE,), Anywhere()))
"""Another gridgov service re-syncing from this one's published events."""

NOT_READY: dict[int | str, dict[str, Any]] = {
    503: {
        "description": "Not ready: the failed checks, why, and their figures",
        "content": {PROBLEM_JSON: {"schema": openapi.PROBLEM_REF}},
    }
}
METRICS: dict[int | str, dict[str, Any]] = {
    200: {"description": "Prometheus text exposition", "content": {CONTENT_TYPE_LATEST: {}}}
}


def _platform_router(spec: ServiceSpec) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz(_: Annotated[Principal, allow(PUBLIC)]) -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": spec.name}

    @router.get("/readyz", response_model=None, responses=NOT_READY)
    async def readyz(
        runtime: RuntimeDep, request: Request, _: Annotated[Principal, allow(PUBLIC)]
    ) -> dict[str, Any] | JSONResponse:
        """Readiness: the database and the broker are reachable, the outbox gets published
        (no row older than `GRIDGOV_READY_OUTBOX_MAX_AGE_SECONDS`) and the consumers move
        (none behind without progress for `GRIDGOV_READY_CONSUMER_STALL_SECONDS`). Otherwise
        503, a problem document naming the failed checks, why, and their figures."""
        report = await readiness.evaluate(
            runtime,
            database=await _database_ok(runtime),
            broker=await kafka.broker_reachable(runtime.settings.kafka_bootstrap_servers),
        )
        if report.ok:
            return {"status": "ok", "checks": report.checks, "figures": report.figures}
        return problem(
            503,
            "not-ready",
            "Service not ready",
            report.detail,
            request,
            checks=report.checks,
            failed=sorted(report.reasons),
            figures=report.figures,
        )

    @router.get("/metrics", response_class=Response, responses=METRICS)
    async def metrics(runtime: RuntimeDep, _: Annotated[Principal, allow(PUBLIC)]) -> Response:
        """Prometheus metrics."""
        await readiness.outbox_check(runtime)  # sets the outbox backlog and age gauges
        if spec.collect_metrics is not None:
            await spec.collect_metrics(runtime)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/internal/outbox", tags=["internal"])
    async def published_events(
        runtime: RuntimeDep,
        _: Annotated[Principal, allow(RESYNC)],
        after: Annotated[int, Query(ge=0, le=bounds.MAX_POSITION)] = 0,
        limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
        published_before: datetime | None = None,
    ) -> dict[str, Any]:
        """Published events after a replay position, for a consumer's re-sync."""
        async with runtime.engine.connect() as conn:
            rows = await resync.read_published(conn, after, limit, published_before)
        return {"events": rows}

    return router


async def _database_ok(runtime: Runtime) -> bool:
    try:
        async with asyncio.timeout(3):
            async with runtime.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
