"""The scoring service: credit scores of entities, assessment campaigns and rankings."""

from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.scoring.api import units
from services.scoring.consumers import HANDLERS
from services.scoring.models import Base

SPEC = ServiceSpec(
    name="scoring",
    title="gridgov scoring",
    description="Credit scores of entities and live assessment rankings, updated from events.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[units.router],
    handlers=HANDLERS,
    consumes_from=("enrollment", "hazards", "grid"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The scoring API with its outbox relay and consumers."""
    return create_service_app(SPEC, settings or load_settings(SPEC.name))
