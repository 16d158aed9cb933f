"""Partner use cases: register, rotate a secret, disable and enable, list, read the trail.

Each change is one unit of work: the partner row and its audit row (`partner_change`: who,
when, what; never a secret) are kept together. A new secret is returned by the use case
that made it, once; no read returns one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound
from libs.common.sql import table_of
from services.enrollment import access
from services.enrollment.partners.keys import SecretBox, new_secret
from services.enrollment.partners.models import Partner, PartnerChange
from services.enrollment.partners.schemas import (
    PartnerChangeRead,
    PartnerCreate,
    PartnerRead,
    PartnerSecretIssued,
)

ADMINS = (Role.DISTRICT_ADMIN,)
"""Who registers, rotates, disables and enables partners: the district administrator, who
answers for the district's systems and its agreements with the tax office and banks."""
READERS = (Role.DISTRICT_ADMIN, Role.AUDITOR)
"""Who lists partners and their audit trail (never a secret)."""
BOOTSTRAP_ACTOR = "bootstrap:GRIDGOV_PARTNER_SECRETS"
BOOTSTRAP_KIND = "bank"


async def register(
    uow: UnitOfWork, user: Principal, body: PartnerCreate, box: SecretBox, at: datetime
) -> PartnerSecretIssued:
    """Register a partner with a fresh secret, shown in this answer only; 409 if it exists."""
    access.require(user, ADMINS)
    if await uow.session.get(Partner, body.partner_id) is not None:
        raise Conflict(f"Partner {body.partner_id!r} is already registered.", field="partner_id")
    secret = new_secret()
    row = Partner(
        partner_id=body.partner_id,
        name=body.name,
        kind=body.kind,
        enabled=True,
        secret_sealed=box.seal(secret, body.partner_id),
        previous_sealed=None,
        previous_until=None,
        created_at=at,
        updated_at=at,
    )
    uow.session.add(row)
    _audit(uow.session, row.partner_id, "registered", user.subject, at, f"{body.kind} {body.name}")
    await uow.commit()
    return PartnerSecretIssued(partner=PartnerRead.model_validate(row), secret=secret)


async def rotate(
    uow: UnitOfWork,
    user: Principal,
    partner_id: str,
    box: SecretBox,
    overlap: timedelta,
    at: datetime,
    configured: Mapping[str, str],
) -> PartnerSecretIssued:
    """Give a partner a new secret (shown once); the current one verifies for `overlap`
    more, then stops. A secret older than that stops at once."""
    access.require(user, ADMINS)
    row = await _locked(uow.session, partner_id, box, configured, at)
    secret = new_secret()
    row.previous_sealed = row.secret_sealed
    row.previous_until = at + overlap
    row.secret_sealed = box.seal(secret, partner_id)
    row.updated_at = at
    _audit(
        uow.session,
        partner_id,
        "rotated",
        user.subject,
        at,
        f"previous secret verifies until {row.previous_until.isoformat()}",
    )
    await uow.commit()
    return PartnerSecretIssued(partner=PartnerRead.model_validate(row), secret=secret)


async def set_enabled(
    uow: UnitOfWork,
    user: Principal,
    partner_id: str,
    enabled: bool,
    box: SecretBox,
    at: datetime,
    configured: Mapping[str, str],
) -> PartnerRead:
    """Disable a partner (its requests and topic events are refused) or enable it again."""
    access.require(user, ADMINS)
    row = await _locked(uow.session, partner_id, box, configured, at)
    if row.enabled != enabled:
        row.enabled = enabled
        row.updated_at = at
        action = "enabled" if enabled else "disabled"
        _audit(uow.session, partner_id, action, user.subject, at, action)
    await uow.commit()
    return PartnerRead.model_validate(row)


async def list_partners(
    uow: UnitOfWork, user: Principal, box: SecretBox, at: datetime, configured: Mapping[str, str]
) -> list[PartnerRead]:
    """Every partner, configured ones registered first (never a secret)."""
    access.require(user, READERS)
    await register_configured(uow.session, box, configured, at)
    await uow.commit()
    rows = await uow.session.scalars(select(Partner).order_by(Partner.partner_id))
    return [PartnerRead.model_validate(row) for row in rows]


async def list_changes(
    uow: UnitOfWork, user: Principal, partner_id: str | None, limit: int
) -> list[PartnerChangeRead]:
    """The audit trail of partner changes, newest first (one partner's, or all)."""
    access.require(user, READERS)
    query = select(PartnerChange).order_by(PartnerChange.id.desc()).limit(limit)
    if partner_id is not None:
        query = query.where(PartnerChange.partner_id == partner_id)
    return [PartnerChangeRead.model_validate(row) for row in await uow.session.scalars(query)]


async def register_configured(
    session: AsyncSession, box: SecretBox, configured: Mapping[str, str], at: datetime
) -> list[str]:
    """Register the configured (GRIDGOV_PARTNER_SECRETS) partners absent from the table,
    each audited; those present are left as the table has them. Returns the ids added."""
    if not configured:
        return []
    known = set(
        await session.scalars(
            select(Partner.partner_id).where(Partner.partner_id.in_(list(configured)))
        )
    )
    added: list[str] = []
    for partner_id, secret in sorted(configured.items()):
        if partner_id in known:
            continue
        inserted = await session.scalar(
            insert(table_of(Partner))
            .values(
                partner_id=partner_id,
                name=partner_id,
                kind=BOOTSTRAP_KIND,
                enabled=True,
                secret_sealed=box.seal(secret, partner_id),
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(index_elements=["partner_id"])
            .returning(table_of(Partner).c.partner_id)
        )
        if inserted is not None:
            _audit(session, partner_id, "registered", BOOTSTRAP_ACTOR, at, "from configuration")
            added.append(partner_id)
    if added:
        await session.flush()
    return added


async def is_known(session: AsyncSession, partner_id: str, configured: Mapping[str, str]) -> bool:
    """True when the partner is registered (or configured, to be registered) and enabled."""
    row = await session.get(Partner, partner_id)
    return row.enabled if row is not None else partner_id in configured


async def _locked(
    session: AsyncSession,
    partner_id: str,
    box: SecretBox,
    configured: Mapping[str, str],
    at: datetime,
) -> Partner:
    if partner_id in configured:
        await register_configured(session, box, {partner_id: configured[partner_id]}, at)
    row = await session.scalar(
        select(Partner).where(Partner.partner_id == partner_id).with_for_update()
    )
    if row is None:
        raise NotFound(f"No partner {partner_id!r}.")
    return row


def _audit(
    session: AsyncSession, partner_id: str, action: str, actor: str, at: datetime, detail: str
) -> None:
    session.add(
        PartnerChange(partner_id=partner_id, action=action, actor=actor, at=at, detail=detail)
    )
