"""The hazards service: the hazard ledger (隐患台账) from report to closure (销号)."""

from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.hazards.models import Base

SPEC = ServiceSpec(
    name="hazards",
    title="gridgov hazards",
    description="The workplace-safety hazard ledger: report, rectification, verification, closure.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    consumes_from=("grid",),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The hazards API with its outbox relay and consumers."""
    return create_service_app(SPEC, settings or load_settings(SPEC.name))
