"""The grid service: admin units, grid cells, grid members, supervised entities, inspections."""

from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.grid.models import Base

SPEC = ServiceSpec(
    name="grid",
    title="gridgov grid",
    description="Grid-based supervision: units, cells, members, entities and inspections.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    consumes_from=("hazards", "scoring"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The grid API with its outbox relay and consumers."""
    return create_service_app(SPEC, settings or load_settings(SPEC.name))
