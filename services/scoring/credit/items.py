"""Additional credit items derived from other services' events (001:L22), applied live."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common.db import UnitOfWork
from services.scoring.credit import scoring
from services.scoring.credit.models import CreditEntity, CreditItemRow
from services.scoring.derivation import EntityFact, ItemFact


def upsert_item(fact: ItemFact) -> Insert:
    """The statement keeping an item: a later clearing, or the assessment it clears, merge."""
    stmt = pg_insert(CreditItemRow).values(
        id=fact.id,
        credit_code=fact.credit_code,
        kind=fact.kind.value,
        occurred_at=fact.at,
        source_event_id=fact.source_event_id,
        source_type=fact.source_type,
        unit_code=fact.unit_code,
        withdrawn=False,
        cleared_at=fact.cleared_at,
    )
    if fact.cleared_at is not None:
        return stmt.on_conflict_do_update(
            index_elements=["id"], set_={"cleared_at": stmt.excluded.cleared_at}
        )
    return stmt.on_conflict_do_update(
        index_elements=["id"],
        set_={
            "occurred_at": stmt.excluded.occurred_at,
            "source_event_id": stmt.excluded.source_event_id,
            "source_type": stmt.excluded.source_type,
        },
    )


async def record_item(uow: UnitOfWork, fact: ItemFact, *, emit: bool = True) -> None:
    """Keep (or clear) the item with its source, and rescore the entity."""
    await uow.session.execute(upsert_item(fact))
    entity = await uow.session.get(CreditEntity, fact.credit_code, with_for_update=True)
    if entity is None:
        entity = CreditEntity(credit_code=fact.credit_code, unit_code=fact.unit_code)
        uow.session.add(entity)
    elif fact.unit_code is not None:
        entity.unit_code = fact.unit_code
    await scoring.recompute(uow, entity, fact.at, fact.source_event_id, emit=emit)
    scoring.announce_grade(uow, entity, emit=emit)


async def know_entity(uow: UnitOfWork, fact: EntityFact) -> None:
    """Grid's name and unit of an entity (credit records may exist before grid knows it)."""
    entity = await uow.session.get(CreditEntity, fact.credit_code, with_for_update=True)
    if entity is None:
        uow.session.add(
            CreditEntity(credit_code=fact.credit_code, unit_code=fact.unit_code, name=fact.name)
        )
    else:
        entity.unit_code, entity.name = fact.unit_code, fact.name
