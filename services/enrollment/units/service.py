"""Unit use cases: learn units from grid, register them locally, check payments name them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import identifiers
from libs.common.auth import Principal, Role
from libs.common.db import UnitOfWork, among
from libs.common.errors import Conflict, RuleViolation
from libs.common.events.catalogue.grid import UnitUpserted
from services.enrollment import access
from services.enrollment.units.models import Unit
from services.enrollment.units.schemas import UnitPut, UnitRead


async def register_unit(uow: UnitOfWork, user: Principal, code: str, body: UnitPut) -> UnitRead:
    """Register or rename a unit locally (district admin); a unit grid owns is left alone."""
    access.require(user, (Role.DISTRICT_ADMIN,), code)
    values = {
        "code": code,
        "name": body.name,
        "level": identifiers.unit_level(code).value,
        "parent_code": identifiers.parent_unit(code),
        "pool": body.pool,
        "active": body.active,
        "source": "local",
    }
    if not await _upsert(uow.session, values, unless_source="grid"):
        raise Conflict(
            f"Unit {code} is kept by grid (`unit.upserted`); change it there.", field="code"
        )
    await uow.commit()
    unit = await uow.session.get(Unit, code, populate_existing=True)
    return UnitRead.model_validate(unit)


async def learn_unit(uow: UnitOfWork, event: UnitUpserted) -> None:
    """Keep grid's view of a unit (the owner of the unit tree)."""
    values = {
        "code": event.code,
        "name": event.name,
        "level": event.level.value,
        "parent_code": event.parent_code,
        "pool": event.pool,
        "active": event.active,
        "source": "grid",
    }
    await _upsert(uow.session, values)
    await uow.commit()


async def list_units(uow: UnitOfWork, user: Principal) -> list[UnitRead]:
    """Units in the caller's jurisdiction."""
    access.require(user, access.READERS)
    prefix = identifiers.unit_prefix(user.jurisdiction)
    units = await uow.session.scalars(
        select(Unit).where(Unit.code.startswith(prefix)).order_by(Unit.code)
    )
    return [UnitRead.model_validate(unit) for unit in units]


async def known_units(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    """Which of `codes` are active units."""
    wanted = list(set(codes))
    if not wanted:
        return set()
    found = await session.scalars(
        select(Unit.code).where(among(Unit.code, wanted), Unit.active.is_(True))
    )
    return set(found)


async def require_unit(session: AsyncSession, code: str, *, village: bool = False) -> None:
    """422 unless `code` is an active unit (and a village when asked)."""
    if code not in await known_units(session, [code]):
        raise RuleViolation(f"Unknown unit {code}.", field="unit_code", code="unit_unknown")
    if village and identifiers.unit_level(code) is not identifiers.UnitLevel.VILLAGE:
        raise RuleViolation(f"{code} is not a village.", field="unit_code", code="unit_not_village")


async def _upsert(
    session: AsyncSession, values: Mapping[str, object], unless_source: str | None = None
) -> bool:
    """Insert or update a unit in one statement; False when a row of `unless_source` stays."""
    stmt = pg_insert(Unit).values(**values)
    update = {k: stmt.excluded[k] for k in values if k != "code"}
    keep = Unit.source != unless_source if unless_source is not None else None
    upsert = stmt.on_conflict_do_update(index_elements=["code"], set_=update, where=keep)
    written = await session.scalar(upsert.returning(Unit.code))
    return written is not None
