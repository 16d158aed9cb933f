"""The enrollment service: insured persons, schemes, enrollment, partner payments, targets."""

from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.enrollment.api import payments
from services.enrollment.models import Base

SPEC = ServiceSpec(
    name="enrollment",
    title="gridgov enrollment",
    description="Social-insurance enrollment and the payments partner tax and bank systems send.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    routers=[payments.router],
    consumes_from=("grid", "partner"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The enrollment API with its outbox relay and consumers."""
    return create_service_app(SPEC, settings or load_settings(SPEC.name))
