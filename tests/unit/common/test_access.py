"""The access mechanism: a route without a policy does not start; enterprise tokens bind."""

from __future__ import annotations

import dataclasses
from typing import Annotated

import pytest
from fastapi import APIRouter

from libs.common import auth
from libs.common.access import Anywhere, Policy, allow, common_ancestor, credit_code_of
from libs.common.app import create_service_app
from libs.common.auth import Principal, Role
from libs.common.settings import load_settings
from services import access_doc

Reader = Annotated[Principal, allow(Policy.of(((Role.AUDITOR,), Anywhere())))]


def _app_with(router: APIRouter) -> None:
    spec = access_doc.spec_of("grid")
    spec = dataclasses.replace(spec, routers=[*spec.routers, router])
    create_service_app(spec, load_settings("grid", env="test", jwt_secret="x" * 32))


def test_a_route_without_a_policy_does_not_start() -> None:
    router = APIRouter()

    @router.get("/forgotten")
    async def forgotten() -> dict[str, str]:
        return {}

    with pytest.raises(RuntimeError, match="GET /v1/forgotten"):
        _app_with(router)


def test_a_route_with_its_policy_starts() -> None:
    router = APIRouter()

    @router.get("/declared")
    async def declared(user: Reader) -> dict[str, str]:
        return {}

    _app_with(router)


def test_an_enterprise_token_carries_its_credit_code() -> None:
    secret = "s" * 32
    minted = auth.mint_token(
        secret, subject="e", roles=["enterprise"], jurisdiction="", credit_code="X" * 18
    )
    assert credit_code_of(auth.decode_token(minted, secret)) == "X" * 18
    other = auth.mint_token(
        secret, subject="o", roles=["auditor"], jurisdiction="", credit_code="X"
    )
    assert credit_code_of(auth.decode_token(other, secret)) is None  # enterprise users only


def test_a_delivery_belongs_to_the_lowest_unit_above_its_lines() -> None:
    assert common_ancestor(["320115101201", "320115101202"]) == "320115101000"
    assert common_ancestor(["320115101201", "320115102201"]) == "320115000000"
    assert common_ancestor(["320115101201"]) == "320115101201"
    assert common_ancestor([]) is None
