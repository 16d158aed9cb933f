"""The enrollment service: insured persons, schemes, enrollment, partner payments, targets."""

from pathlib import Path

from fastapi import FastAPI

from libs.common.app import create_service_app
from libs.common.service import Chore, Runtime, ServiceSpec
from libs.common.settings import ServiceSettings, load_settings
from services.enrollment import metrics
from services.enrollment.arrears import api as arrears
from services.enrollment.consumers import event_handlers
from services.enrollment.enrollments import api as enrollments
from services.enrollment.models import Base
from services.enrollment.partners import api as partners
from services.enrollment.partners.directory import partner_directory, register_configured
from services.enrollment.payments import api as payments
from services.enrollment.payments import files
from services.enrollment.persons import api as persons
from services.enrollment.schemes import api as schemes
from services.enrollment.targets import api as targets
from services.enrollment.units import api as units


async def stop_stalled_imports(runtime: Runtime) -> None:
    """File imports whose process died without a word are marked `stopped`."""
    await files.stop_stalled_imports(runtime.sessions)


SPEC = ServiceSpec(
    name="enrollment",
    title="gridgov enrollment",
    description="Social-insurance enrollment and the payments partner tax and bank systems send.",
    metadata=Base.metadata,
    migrations=Path(__file__).parent / "migrations",
    # Partner payments first: a request is matched against the routers in this order, and
    # the webhook's hundreds of calls a second should not walk the others' routes first.
    # No two routes share a path, so the order changes nothing else.
    routers=[
        payments.router,
        units.router,
        schemes.router,
        persons.router,
        enrollments.router,
        targets.router,
        arrears.router,
        partners.router,
    ],
    event_handlers=event_handlers,
    consumes_from=("grid", "partner"),
    collect_metrics=metrics.collect,
    chores=(
        Chore("stop stalled file imports", 60.0, stop_stalled_imports),
        Chore("register configured partners", 3600.0, register_configured),
    ),
    partner_directory=partner_directory,
    # What a use case answers beyond what the route's declaration implies (libs/common/openapi.py).
    problems={"POST /v1/persons/search": (404,)},  # no person with that number in reach
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The enrollment API with its outbox relay and consumers."""
    return create_service_app(SPEC, settings or load_settings(SPEC.name))
