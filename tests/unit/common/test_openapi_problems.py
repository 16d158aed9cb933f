"""Every operation of every service documents the problem+json answers it can give, with
the shared Problem schema: generated clients and contract tests see every error path."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from libs.common.app import create_service_app
from libs.common.errors import PROBLEM_JSON
from libs.common.openapi import applicable_problems, document_problems
from libs.common.settings import load_settings

SERVICES = ("enrollment", "hazards", "grid", "scoring")


def openapi(service: str) -> dict[str, Any]:
    spec = importlib.import_module(f"services.{service}.app").SPEC
    document: dict[str, Any] = create_service_app(spec, load_settings(service)).openapi()
    return document


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, op) for path, item in document["paths"].items() for m, op in item.items()]


def expected(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    """What applies, read from the operation independently of the platform's rule."""
    parameters = operation.get("parameters", [])
    headers = {p["name"].lower() for p in parameters if p["in"] == "header"}
    codes: set[int] = set()
    if operation.get("security"):
        codes |= {401, 403}
    if "x-gridgov-signature" in headers:
        codes.add(401)
    if "{" in path:
        codes.add(404)
    if "requestBody" in operation:
        codes |= {400, 413, 422}
    if any(p["in"] in ("query", "path", "header") for p in parameters):
        codes.add(422)
    if method == "post" and "idempotency-key" in headers:
        codes.add(409)
    return codes


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_its_problem_answers(service: str) -> None:
    document = openapi(service)
    assert "Problem" in document["components"]["schemas"]
    for path, method, operation in operations(document):
        responses = operation["responses"]
        for code in sorted(expected(method, path, operation)):
            answer = responses.get(str(code))
            assert answer is not None, f"{method.upper()} {path} does not document {code}"
            content = answer["content"]
            assert list(content) == [PROBLEM_JSON], f"{method.upper()} {path} {code}"
            assert content[PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}


@pytest.mark.parametrize("service", SERVICES)
def test_no_operation_documents_fastapis_own_validation_error(service: str) -> None:
    document = openapi(service)
    assert "HTTPValidationError" not in repr(document)
    for path, method, operation in operations(document):
        for code, answer in operation["responses"].items():
            if code.startswith(("4", "5")):
                assert list(answer.get("content", {})) == [PROBLEM_JSON], (method, path, code)


def test_what_applies_follows_what_the_operation_declares() -> None:
    bearer_read: dict[str, Any] = {"security": [{"HTTPBearer": []}]}
    assert applicable_problems("get", bearer_read) == {401, 403}
    by_id = {**bearer_read, "parameters": [{"in": "path", "name": "id"}]}
    assert applicable_problems("get", by_id) == {401, 403, 404, 422}
    write = {**by_id, "requestBody": {}}
    assert applicable_problems("put", write) == {400, 401, 403, 404, 409, 413, 422}
    signed = {
        "parameters": [
            {"in": "header", "name": "X-Gridgov-Signature"},
            {"in": "header", "name": "Idempotency-Key"},
        ],
        "requestBody": {},
    }
    assert applicable_problems("post", signed) == {400, 401, 409, 413, 422}
    guarded = {"parameters": [{"in": "header", "name": "If-Match"}]}
    assert applicable_problems("get", guarded) == {412, 422}
    assert applicable_problems("get", {}) == set()


def test_a_service_declares_what_its_use_cases_answer_beyond_that() -> None:
    document: dict[str, Any] = {"paths": {"/v1/things": {"get": {"responses": {"200": {}}}}}}
    documented = document_problems(document, {"GET /v1/things": (409, 412)})
    answers = documented["paths"]["/v1/things"]["get"]["responses"]
    assert sorted(answers) == ["200", "409", "412"]
    assert answers["412"]["content"][PROBLEM_JSON]["schema"]["$ref"].endswith("/Problem")
