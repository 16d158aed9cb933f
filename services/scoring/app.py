"""The scoring service: credit scores of entities, assessment campaigns and rankings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.scoring.campaigns import api as campaigns
from services.scoring.circulars import api as circulars
from services.scoring.consumers import event_handlers
from services.scoring.credit import api as credit
from services.scoring.models import Base
from services.scoring.penalties import api as penalties
from services.scoring.rankings import api as rankings
from services.scoring.snapshots import api as snapshots
from services.scoring.snapshots.scheduler import SnapshotScheduler
from services.scoring.tallies import api as tallies
from services.scoring.triggers import api as triggers

SPEC = ServiceSpec(
    name="scoring",
    title="gridgov scoring",
    description="Credit scores of entities and live assessment rankings, updated from events.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[
        tallies.router,
        credit.router,
        campaigns.router,
        rankings.router,
        snapshots.router,
        triggers.router,
        circulars.router,
        penalties.router,
    ],
    event_handlers=event_handlers,
    consumes_from=("enrollment", "hazards", "grid"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The scoring API with its outbox relay, consumers and snapshot scheduler."""
    settings = settings or load_settings(SPEC.name)
    app = create_service_app(SPEC, settings)
    platform_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with platform_lifespan(app):
            scheduler = SnapshotScheduler(app.state.runtime) if settings.run_workers else None
            task = asyncio.create_task(scheduler.run()) if scheduler else None
            try:
                yield
            finally:
                if scheduler and task:
                    scheduler.stop.set()
                    await asyncio.wait([task], timeout=10)

    app.router.lifespan_context = lifespan
    return app
