"""FastAPI dependency aliases; routes use only these."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common import auth
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Unauthorized
from libs.common.idempotency import IdempotentRequest
from libs.common.logging import current_request_id
from libs.common.pii import PiiVault
from libs.common.service import Runtime
from libs.common.settings import ServiceSettings

_bearer = HTTPBearer(auto_error=False, description="OAuth2 bearer JWT")
# Dependencies that never wait are `async def` all the same: FastAPI runs a plain `def` one in
# a worker thread, a thread hop per dependency per request. Each dependency a route resolves
# costs tens of microseconds of FastAPI's own work per request, so the partner routes call
# `get_runtime` as a function rather than depend on it.


async def get_runtime(request: Request) -> Runtime:
    """The running service."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_now() -> datetime:
    """The time a request acts at: the one clock of the rules that depend on the date
    (a test sets it with `app.dependency_overrides[get_now]`)."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(get_now)]


def clock_of(app: FastAPI) -> Callable[[], Awaitable[datetime]]:
    """`get_now` for work a request hands on (a batch of webhook calls, which no dependency
    reaches): the app's override of it when a test set one, read at each call."""

    async def now() -> datetime:
        clock = app.dependency_overrides.get(get_now, get_now)
        value = clock()
        return await value if inspect.isawaitable(value) else value

    return now


async def get_settings(runtime: RuntimeDep) -> ServiceSettings:
    """The service's settings."""
    return runtime.settings


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]


async def get_uow(runtime: RuntimeDep) -> AsyncIterator[UnitOfWork]:
    """A unit of work for one request; it rolls back unless the use case committed."""
    async with (
        runtime.sessions() as session,
        UnitOfWork(session, request_id=current_request_id()) as uow,
    ):
        yield uow


UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_uow)]


async def get_read_connection(runtime: RuntimeDep) -> AsyncIterator[AsyncConnection]:
    """A connection outside any transaction, for a read whose statements each stand alone."""
    async with runtime.reads.connect() as conn:
        yield conn


ReadConnectionDep = Annotated[AsyncConnection, Depends(get_read_connection)]


async def get_current_user(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller of a bearer-authenticated route; 401 without a valid token."""
    if credentials is None:
        raise Unauthorized("A bearer token is required.")
    key = settings.jwt_public_key or settings.jwt_secret.get_secret_value()
    return auth.decode_token(credentials.credentials, key, settings.jwt_algorithm)


CurrentUser = Annotated[Principal, Depends(get_current_user)]


async def get_service_caller(user: CurrentUser) -> Principal:
    """Another gridgov service (role `service`)."""
    auth.ensure_role(user, auth.Role.SERVICE)
    return user


ServiceCaller = Annotated[Principal, Depends(get_service_caller)]


PartnerIdHeader = Annotated[str, Header(description="Partner system id")]
TimestampHeader = Annotated[str, Header(description="Unix seconds of signing")]
SignatureHeader = Annotated[str, Header(description="sha256=<hex HMAC of ts.body>")]


async def get_partner(
    request: Request,
    x_partner_id: PartnerIdHeader,
    x_gridgov_timestamp: TimestampHeader,
    x_gridgov_signature: SignatureHeader,
) -> Principal:
    """A partner system whose HMAC signature over the raw body checks out; 401 otherwise."""
    secrets = await (await get_runtime(request)).partners.secrets()
    body = await request.body()
    return auth.verify_signature(
        secrets, x_partner_id, x_gridgov_timestamp, x_gridgov_signature, body
    )


PartnerCaller = Annotated[Principal, Depends(get_partner)]


@dataclass(frozen=True)
class PartnerRequest:
    """A partner's signed creating request: who sent it, under which Idempotency-Key."""

    partner: Principal
    idempotency: IdempotentRequest

    @property
    def partner_id(self) -> str:
        """The sending partner's id."""
        assert self.partner.partner_id is not None
        return self.partner.partner_id


async def get_partner_request(
    request: Request,
    x_partner_id: PartnerIdHeader,
    x_gridgov_timestamp: TimestampHeader,
    x_gridgov_signature: SignatureHeader,
    idempotency_key: Annotated[
        str, Header(min_length=1, max_length=128, description="Unique per logical request")
    ],
) -> PartnerRequest:
    """`get_partner` and the request's Idempotency-Key, scoped to that partner, in one
    dependency: the webhook's hundreds of calls a second each resolve one, not five."""
    partner = await get_partner(request, x_partner_id, x_gridgov_timestamp, x_gridgov_signature)
    scope = f"partner:{partner.partner_id}"
    return PartnerRequest(
        partner, IdempotentRequest.of(scope, idempotency_key, await request.body())
    )


SignedPartnerRequest = Annotated[PartnerRequest, Depends(get_partner_request)]


async def get_pii_vault(runtime: RuntimeDep) -> PiiVault:
    """The service's vault for personal identifiers."""
    return runtime.vault


PiiVaultDep = Annotated[PiiVault, Depends(get_pii_vault)]
