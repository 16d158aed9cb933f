"""The generated access matrix, proven: every operation of every service's OpenAPI, called
with no credentials, as a partner and with a token of every role, inside and outside the
caller's jurisdiction (as its own and another partner, its own and another enterprise),
answers what docs/access.md says.

Resources are not created: each policy's loader (the dependency that reads a resource's
unit or partner) is replaced by one answering "inside" or "outside", and bodies are minimal
(the unit fields the policy names), so an allowed call may end in 404 or 422 from the route.
What tells the platform's refusal apart is `gridgov_access_refusals_total`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from libs.common import access, auth
from libs.common.access import FromBody, Operation
from services import access_doc
from tests.conftest import JWT_SECRET, OTHER_PARTNER, PARTNER, PARTNER_SECRET

TOWN = "320115101000"
INSIDE = "320115101201"
OUTSIDE = "320115102201"
OWN_CREDIT = "91320115MA1XXXXX0T"
OTHER_CREDIT = "91320116MA1YYYYY0T"


def test_the_matrix_document_is_the_policies() -> None:
    """A route added without its row (docs/access.md not regenerated) fails here."""
    assert access_doc.DOC.read_text(encoding="utf-8") == access_doc.render()


def refusals() -> float:
    return sum(
        sample.value
        for metric in access.REFUSALS.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )


def token(role: str) -> dict[str, str]:
    jwt = auth.mint_token(
        JWT_SECRET,
        subject=f"matrix-{role}",
        roles=[role],
        jurisdiction=TOWN,
        credit_code=OWN_CREDIT if role == auth.Role.ENTERPRISE else None,
    )
    return {"Authorization": f"Bearer {jwt}"}


def signed(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    return {
        "X-Partner-Id": PARTNER,
        "X-Gridgov-Timestamp": stamp,
        "X-Gridgov-Signature": "sha256=" + auth.sign_body(PARTNER_SECRET, stamp, body),
        "Idempotency-Key": uuid.uuid4().hex,
    }


def value(name: str, schema: dict[str, Any], inside: bool) -> str:
    """A value for a parameter: units and credit codes inside or outside, the rest plain."""
    pattern = str(schema.get("pattern", ""))
    if "{12}" in pattern or "unit" in name:
        return INSIDE if inside else OUTSIDE
    if "{18}" in pattern or name == "credit_code":
        return OWN_CREDIT if inside else OTHER_CREDIT
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    if schema.get("type") == "integer":
        return "2027"
    return "resident-medical"


def request_of(spec: dict[str, Any], path: str, inside: bool) -> tuple[str, dict[str, str]]:
    query: dict[str, str] = {}
    for param in spec.get("parameters", []):
        schema = param.get("schema", {})
        if "anyOf" in schema:
            schema = next((s for s in schema["anyOf"] if s.get("type") != "null"), {})
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", value(param["name"], schema, inside))
        elif param["in"] == "query" and param.get("required"):
            query[param["name"]] = value(param["name"], schema, inside)
    return path, query


def expectation(cell: str, inside: bool) -> str:
    """`served` (not refused by the policy) or `refused`. A partner's `own partner` route
    reads or writes under its own id only: there is no outside to try."""
    if cell in ("allowed", "own partner") or (cell != "refused" and inside):
        return "served"
    return "refused"


CALLERS: list[str | None] = list(access_doc.COLUMNS)


@pytest.mark.parametrize("service", access_doc.SERVICES)
async def test_every_operation_answers_as_the_matrix_says(client_for, service: str) -> None:
    client = await client_for(service)
    app = client.asgi_transport.app  # its loaders are replaced per call
    documented = {(r.method, r.path): r.cells for r in access_doc.rows() if r.service == service}
    paths = app.openapi()["paths"]
    ops: list[Operation] = access_doc.service_operations(app)
    failures: list[str] = []
    for op in ops:
        assert op.policy is not None
        for method in op.methods:
            if method == "HEAD" or op.path not in paths:
                continue  # FastAPI's own documents: public, not in the OpenAPI
            spec = paths[op.path][method.lower()]
            cells = documented[(method, op.path)]  # KeyError: a route without its row
            for caller in CALLERS:
                for inside in (True, False):
                    failure = await _call(client, app, op, method, spec, caller, inside, cells)
                    if failure:
                        failures.append(failure)
    assert not failures, "\n".join(failures)


async def _call(
    client: Any,
    app: Any,
    op: Operation,
    method: str,
    spec: dict[str, Any],
    caller: str | None,
    inside: bool,
    cells: dict[str | None, str],
) -> str | None:
    assert op.policy is not None
    own_partner, other = PARTNER, OTHER_PARTNER
    for loader in op.policy.loaders():
        if op.policy.signed:
            answer = own_partner if inside else other
        else:
            answer = INSIDE if inside else OUTSIDE
        app.dependency_overrides[loader] = lambda answer=answer: answer
    path, query = request_of(spec, op.path, inside)
    body = b""
    if method in ("POST", "PUT", "PATCH"):
        named = {g.scope.name for g in op.policy.grants if isinstance(g.scope, FromBody)}
        unit = INSIDE if inside else OUTSIDE
        body = json.dumps({name: unit for name in named | {"unit_code"}}).encode()
    headers = {"Content-Type": "application/json"}
    if caller == auth.Role.PARTNER:
        headers |= signed(body)
    elif caller is not None:
        headers |= token(caller)
    before = refusals()
    response = await client.request(method, path, params=query, content=body, headers=headers)
    app.dependency_overrides.clear()
    refused_by_policy = refusals() > before
    status = response.status_code
    cell = cells[caller]
    expected = expectation(cell, inside)
    who = f"{method} {op.path} as {caller or 'anonymous'} {'inside' if inside else 'outside'}"
    if expected == "served":
        if refused_by_policy or status in (401, 403):
            return f"{who}: expected served ({cell}), got {status} {response.text[:200]}"
        return None
    if op.policy.signed and caller != auth.Role.PARTNER:
        ok = status in (401, 422)  # no signature: not a partner's request at all
    elif caller is None or (caller == auth.Role.PARTNER and not op.policy.signed):
        ok = status == 401  # no bearer token
    elif cell == "refused":
        ok = refused_by_policy and status == 403
    else:
        ok = refused_by_policy and status == (404 if "(404)" in cell else 403)
    return None if ok else f"{who}: expected refused ({cell}), got {status}"
