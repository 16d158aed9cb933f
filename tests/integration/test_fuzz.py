"""Schemathesis over every operation of every service's OpenAPI: no 5xx, and every answer
conforms to the status codes, content types and schemas the operation documents.

Each operation is its own test (xdist spreads them); its app runs in process on a real,
emptied database. Hypothesis runs in a worker thread, and each generated case is sent with
httpx to the app on the test's event loop, where the runtime's database pools live.
Bearer routes are called as a district administrator of the demo district (`/internal/…`
as a service), partner routes signed as the test bank, each body signed as sent.

Enrollment's database holds the demo region, its scheme-year and one enrolled villager, and
a third pass fills the parameters that name them (scheme, year, unit, person, enrollment)
with real values, so that generated requests reach the use cases and the .xlsx exports
instead of stopping at "not found".

Examples are bounded and derandomized, so a run is reproducible: `FUZZ_EXAMPLES` (default
20) per operation and pass (positive, negative, positive on real resources).
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from libs.common.app import create_service_app
from services.demo import DISTRICT
from services.enrollment.demo import signed_headers
from tests.conftest import PARTNER, PARTNER_SECRET, bearer, make_settings, spec_of
from tests.support.enrollment import SCHEME, VILLAGE, YEAR, enroll, prepare_region

SERVICES = ("enrollment", "scoring", "hazards", "grid")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ADMIN = bearer(["district_admin"], DISTRICT)
SERVICE = bearer(["service"], DISTRICT, subject="scoring")
PARTNER_HEADERS = ("x-partner-id", "x-gridgov-timestamp", "x-gridgov-signature")


def openapi_of(service: str) -> dict[str, Any]:
    """A service's OpenAPI document, built without a database (collection time)."""
    settings = make_settings(service, "postgresql://fuzz@127.0.0.1/fuzz", "fuzz", "fuzz:9092")
    return create_service_app(spec_of(service), settings).openapi()


SCHEMAS = {service: openapi_of(service) for service in SERVICES}
OPERATIONS = [
    pytest.param(service, path, method, id=f"{service} {method.upper()} {path}")
    for service, document in SCHEMAS.items()
    for path, methods in document["paths"].items()
    for method in methods
]


def _headers_for(operation: Any, body: bytes) -> dict[str, str]:
    names = {p.name.lower() for p in operation.headers}
    if set(PARTNER_HEADERS) <= names:
        signed = signed_headers(PARTNER, PARTNER_SECRET, body, uuid.uuid4().hex)
        signed.pop("Content-Type")
        if "idempotency-key" not in names:
            signed.pop("Idempotency-Key")
        return signed
    return SERVICE if operation.path.startswith("/internal/") else ADMIN


def _request(case: Any, operation: Any, base_url: str) -> dict[str, Any]:
    """httpx arguments of a generated case, with its caller's credentials."""
    kwargs = case.as_transport_kwargs(base_url=base_url)
    headers = {k: str(v) for k, v in (kwargs.get("headers") or {}).items()}
    content: bytes | None = None
    extra: dict[str, Any] = {}
    if "json" in kwargs:
        content = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif isinstance(kwargs.get("data"), str | bytes):
        data = kwargs["data"]
        content = data.encode() if isinstance(data, str) else data
    elif kwargs.get("data") is not None:
        extra["data"] = kwargs["data"]
    if kwargs.get("files"):
        extra["files"] = kwargs["files"]
    for name in list(headers):
        if name.lower() in (*PARTNER_HEADERS, "authorization"):
            del headers[name]
    headers.update(_headers_for(operation, content or b""))
    return {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "params": kwargs.get("params"),
        "headers": headers,
        "content": content,
        "cookies": kwargs.get("cookies") or None,
        **extra,
    }


@pytest.mark.parametrize(("service", "path", "method"), OPERATIONS)
async def test_operation_survives_fuzzing(
    client_for: Any, service: str, path: str, method: str
) -> None:
    client: httpx.AsyncClient = await client_for(service)
    known = await seed(client) if service == "enrollment" else {}
    schema = schemathesis.openapi.from_dict(SCHEMAS[service])
    operation = schema[path][method.upper()]
    loop = asyncio.get_running_loop()
    base_url = str(client.base_url)

    async def send(case: Any) -> httpx.Response:
        return await client.request(**_request(case, operation, base_url))

    def fuzz(mode: GenerationMode, real: bool = False) -> None:
        strategy = operation.as_strategy(generation_mode=mode)
        if real:
            strategy = operation.as_strategy(
                generation_mode=mode,
                path_parameters=_known(operation.path_parameters, known, path),
                query=_known(operation.query, known, path),
            )

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            response = asyncio.run_coroutine_threadsafe(send(case), loop).result(60)
            case.validate_response(response, checks=CHECKS)

        run()

    details = SCHEMAS[service]["paths"][path][method]
    takes_input = bool(details.get("parameters") or details.get("requestBody"))
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if takes_input else [])
    for mode in modes:  # nothing to get wrong in an operation that takes nothing
        await asyncio.to_thread(fuzz, mode)
    if _known(operation.path_parameters, known, path) or _known(operation.query, known, path):
        await asyncio.to_thread(fuzz, GenerationMode.POSITIVE, True)


async def seed(client: httpx.AsyncClient) -> dict[str, Any]:
    """The demo region, its scheme-year and one enrolled villager; the values naming them."""
    await prepare_region(client)
    enrolled = await enroll(client, 1)
    return {
        "region_code": DISTRICT,
        "scheme_code": SCHEME,
        "year": YEAR,
        "unit_code": VILLAGE,
        "person_id": enrolled["person_id"],
        "enrollment_id": enrolled["id"],
    }


def _known(parameters: Any, known: dict[str, Any], path: str) -> dict[str, Any]:
    """Real values for the parameters that name a seeded resource."""
    values = {p.name: known[p.name] for p in parameters if p.name in known}
    if path == "/v1/units/{code}" and known:
        values["code"] = known["unit_code"]
    return values
