"""Every operation's OpenAPI lists the problem+json answers it can give.

FastAPI documents a route's success and, when it takes input, a 422 in its own shape. The
errors the platform answers (`libs/common/errors.py`) are problem documents, so they are
documented here, once for every service, from what each operation declares:

| the operation                                    | may answer          |
|--------------------------------------------------|---------------------|
| bearer-authenticated                             | 401, 403            |
| partner-signed (`X-Gridgov-Signature`)           | 401                 |
| has path parameters (names a resource)           | 404                 |
| takes parameters or a body (validated)           | 422                 |
| takes a body (it may not parse)                  | 400                 |
| writes (POST, PUT, PATCH, DELETE)                | 409, 413, 422       |
| takes `If-Match`                                 | 412                 |

A write may meet the current state (a duplicate, a wrong state, an Idempotency-Key reused
with another body): 409. Any request body is read within a limit (`limits.py`): 413.
What a use case answers beyond these is declared per operation in the service's spec
(`ServiceSpec.problems`, keyed `"METHOD /path"`). Each is `application/problem+json`
with the shared `Problem` schema. An operation offering `format=xlsx` documents the
workbook beside its JSON answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from fastapi import FastAPI

from libs.common.errors import PROBLEM_JSON

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WRITES = frozenset({"post", "put", "patch", "delete"})
TITLES = {
    400: "Bad request",
    401: "Missing, expired or invalid credentials",
    403: "The role or jurisdiction does not allow this",
    404: "Not found, or outside the caller's jurisdiction",
    409: "Conflicts with the current state (duplicate, wrong state, Idempotency-Key reused)",
    412: "If-Match does not match the current version",
    413: "The request body is too large",
    422: "Invalid request, or refused by a business rule",
    503: "The service cannot do this now",
}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "field": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "field": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


def applicable_problems(method: str, operation: Mapping[str, Any]) -> set[int]:
    """The problem statuses an operation can answer, from what it declares."""
    parameters = operation.get("parameters", [])
    located = {p["in"] for p in parameters}
    headers = {p["name"].lower() for p in parameters if p["in"] == "header"}
    codes: set[int] = set()
    if operation.get("security"):
        codes |= {401, 403}
    if "x-gridgov-signature" in headers:
        codes.add(401)
    if "path" in located:
        codes.add(404)
    if parameters or "requestBody" in operation:
        codes.add(422)
    if "requestBody" in operation:
        codes.add(400)  # a body that does not parse
    if method in WRITES:
        codes |= {409, 413, 422}
    if "if-match" in headers:
        codes.add(412)
    return codes


def offers_workbook(operation: Mapping[str, Any]) -> bool:
    """Whether the operation answers `format=xlsx` with a workbook."""
    return any(
        p["in"] == "query" and p["name"] == "format" and "xlsx" in _enum(p.get("schema", {}))
        for p in operation.get("parameters", [])
    )


def _enum(schema: Mapping[str, Any]) -> list[Any]:
    values = list(schema.get("enum", []))
    for option in schema.get("anyOf", []):
        values += _enum(option)
    return values


def document_problems(
    schema: dict[str, Any], extras: Mapping[str, Iterable[int]] | None = None
) -> dict[str, Any]:
    """Add the problem answers to every operation of an OpenAPI document (in place)."""
    extras = extras or {}
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            codes = applicable_problems(method, operation)
            codes |= set(extras.get(f"{method.upper()} {path}", ()))
            responses = operation.setdefault("responses", {})
            if offers_workbook(operation) and "200" in responses:
                responses["200"].setdefault("content", {}).setdefault(XLSX, {})
            for code in sorted(codes):
                responses[str(code)] = {
                    "description": TITLES.get(code, "Problem"),
                    "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
                }
    schemas = schema["components"]["schemas"]
    if not _referenced(schema, "HTTPValidationError"):  # FastAPI's 422 shape, now replaced
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return schema


def _referenced(schema: dict[str, Any], name: str) -> bool:
    return f'"#/components/schemas/{name}"' in repr(schema.get("paths", {})).replace("'", '"')


def install(app: FastAPI, extras: Mapping[str, Iterable[int]] | None = None) -> None:
    """Make the app's OpenAPI document its problem answers."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(build(), extras)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
