"""Partner administration: register, rotate, disable, enable, list and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from libs.common.access import Anywhere, Policy, allow
from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork
from libs.common.deps import Now, RuntimeDep, UnitOfWorkDep
from libs.common.service import Runtime
from services.enrollment.partners import service
from services.enrollment.partners.directory import TablePartners, configured_secrets
from services.enrollment.partners.keys import SecretBox
from services.enrollment.partners.schemas import (
    PartnerChangeRead,
    PartnerCreate,
    PartnerRead,
    PartnerSecretIssued,
)

router = APIRouter(tags=["partners"])
PartnerIdPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
PartnerAdmin = Annotated[Principal, allow(Policy.of(((Role.DISTRICT_ADMIN,), Anywhere())))]
"""Partners serve the whole deployment: a district admin registers, rotates and disables them."""
PartnerReader = Annotated[
    Principal, allow(Policy.of(((Role.DISTRICT_ADMIN, Role.AUDITOR), Anywhere())))
]


def _box(runtime: Runtime) -> SecretBox:
    return SecretBox(runtime.settings.pii_key.get_secret_value())


def _changed(runtime: Runtime) -> None:
    """This process sees its own change at once; the others within the cache's bound."""
    if isinstance(runtime.partners, TablePartners):
        runtime.partners.cache.forget()


@router.post("/partners", status_code=201, response_model=PartnerSecretIssued)
async def post_partner(
    body: PartnerCreate, user: PartnerAdmin, uow: UnitOfWorkDep, runtime: RuntimeDep, now: Now
) -> PartnerSecretIssued:
    """Register a partner (district admin); the answer shows its secret, this once only."""
    issued = await service.register(uow, user, body, _box(runtime), now)
    _changed(runtime)
    return issued


@router.get("/partners", response_model=list[PartnerRead])
async def get_partners(
    user: PartnerReader, uow: UnitOfWorkDep, runtime: RuntimeDep, now: Now
) -> list[PartnerRead]:
    """Every partner, enabled or not, without secrets (district admin, auditor)."""
    configured = configured_secrets(runtime.settings)
    return await service.list_partners(uow, user, _box(runtime), now, configured)


@router.post("/partners/{partner_id}/rotate", response_model=PartnerSecretIssued)
async def post_rotation(
    partner_id: PartnerIdPath, user: PartnerAdmin, uow: UnitOfWorkDep, runtime: RuntimeDep, now: Now
) -> PartnerSecretIssued:
    """A new secret, shown this once; the previous one verifies for
    GRIDGOV_PARTNER_ROTATION_OVERLAP_SECONDS more (district admin)."""
    overlap = timedelta(seconds=runtime.settings.partner_rotation_overlap_seconds)
    configured = configured_secrets(runtime.settings)
    issued = await service.rotate(uow, user, partner_id, _box(runtime), overlap, now, configured)
    _changed(runtime)
    return issued


@router.post("/partners/{partner_id}/disable", response_model=PartnerRead)
async def post_disable(
    partner_id: PartnerIdPath, user: PartnerAdmin, uow: UnitOfWorkDep, runtime: RuntimeDep, now: Now
) -> PartnerRead:
    """Refuse the partner's requests and topic events from now on (district admin)."""
    return await _set_enabled(runtime, uow, user, partner_id, False, now)


@router.post("/partners/{partner_id}/enable", response_model=PartnerRead)
async def post_enable(
    partner_id: PartnerIdPath, user: PartnerAdmin, uow: UnitOfWorkDep, runtime: RuntimeDep, now: Now
) -> PartnerRead:
    """Accept a disabled partner again, with its secrets as they were (district admin)."""
    return await _set_enabled(runtime, uow, user, partner_id, True, now)


async def _set_enabled(
    runtime: Runtime,
    uow: UnitOfWork,
    user: Principal,
    partner_id: str,
    enabled: bool,
    now: datetime,
) -> PartnerRead:
    configured = configured_secrets(runtime.settings)
    read = await service.set_enabled(uow, user, partner_id, enabled, _box(runtime), now, configured)
    _changed(runtime)
    return read


@router.get("/partner-changes", response_model=list[PartnerChangeRead])
async def get_partner_changes(
    user: PartnerReader,
    uow: UnitOfWorkDep,
    partner_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PartnerChangeRead]:
    """The audit trail of partner changes, newest first: who, when, what, never a secret
    (district admin, auditor)."""
    return await service.list_changes(uow, user, partner_id, limit)
