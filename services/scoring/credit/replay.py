"""Credit facts of many replayed events at once: items kept, entities known (a rebuild).

Scores are not touched here: the rebuild rescores every entity once at the end. What the
live path does per event (credit/items.py) is reproduced per batch: items merged by id in
event order, each entity's unit and name as last seen, its score time the latest input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.derivation import Effects, ItemFact

_ITEMS = """
    INSERT INTO credit_item AS i (id, credit_code, kind, occurred_at, source_event_id,
                                  source_type, unit_code, withdrawn, cleared_at)
    SELECT v.id, v.code, v.kind, v.at, v.source, v.type, v.unit, false, v.cleared
      FROM unnest(CAST(:ids AS text[]), CAST(:codes AS text[]), CAST(:kinds AS text[]),
                  CAST(:ats AS timestamptz[]), CAST(:sources AS text[]),
                  CAST(:types AS text[]), CAST(:units AS text[]),
                  CAST(:cleared AS timestamptz[]))
           AS v(id, code, kind, at, source, type, unit, cleared)
    ON CONFLICT (id) DO UPDATE SET {set}
"""
_RECORDED = text(
    _ITEMS.format(
        set="occurred_at = excluded.occurred_at, source_event_id = excluded.source_event_id, "
        "source_type = excluded.source_type, "
        "cleared_at = COALESCE(excluded.cleared_at, i.cleared_at)"
    )
)
_CLEARED = text(_ITEMS.format(set="cleared_at = excluded.cleared_at"))
_ENTITIES = text(
    """
    INSERT INTO credit_entity AS e (credit_code, unit_code, name, score_as_of)
    SELECT * FROM unnest(CAST(:codes AS text[]), CAST(:units AS text[]),
                         CAST(:names AS text[]), CAST(:as_of AS timestamptz[]))
    ON CONFLICT (credit_code) DO UPDATE
       SET unit_code = COALESCE(excluded.unit_code, e.unit_code),
           name = COALESCE(excluded.name, e.name),
           score_as_of = GREATEST(e.score_as_of, excluded.score_as_of)
    """
)


@dataclass
class _Item:
    fact: ItemFact
    recorded: bool


@dataclass
class _Entity:
    unit_code: str | None = None
    name: str | None = None
    as_of: datetime | None = None


async def apply_facts(session: AsyncSession, effects: Sequence[Effects]) -> None:
    """Keep the items and entity records of a batch of events, in their order."""
    items: dict[str, _Item] = {}
    entities: dict[str, _Entity] = {}
    for effect in effects:
        if effect.entity is not None:
            known = entities.setdefault(effect.entity.credit_code, _Entity())
            known.unit_code, known.name = effect.entity.unit_code, effect.entity.name
        if effect.item is not None:
            _merge(items, effect.item)
            known = entities.setdefault(effect.item.credit_code, _Entity())
            known.unit_code = effect.item.unit_code or known.unit_code
            at = effect.item.at
            known.as_of = max(at, known.as_of) if known.as_of else at
    for statement, recorded in ((_RECORDED, True), (_CLEARED, False)):
        chosen = [i.fact for i in items.values() if i.recorded is recorded]
        if chosen:
            await session.execute(statement, _item_params(chosen))
    if entities:
        codes = sorted(entities)
        await session.execute(
            _ENTITIES,
            {
                "codes": codes,
                "units": [entities[c].unit_code for c in codes],
                "names": [entities[c].name for c in codes],
                "as_of": [entities[c].as_of for c in codes],
            },
        )


def _merge(items: dict[str, _Item], fact: ItemFact) -> None:
    found = items.get(fact.id)
    if fact.cleared_at is not None:
        if found is None:
            items[fact.id] = _Item(fact, recorded=False)
        else:
            found.fact = replace(found.fact, cleared_at=fact.cleared_at)
        return
    cleared = found.fact.cleared_at if found is not None else None
    items[fact.id] = _Item(replace(fact, cleared_at=cleared), recorded=True)


def _item_params(facts: list[ItemFact]) -> dict[str, list[Any]]:
    return {
        "ids": [f.id for f in facts],
        "codes": [f.credit_code for f in facts],
        "kinds": [f.kind.value for f in facts],
        "ats": [f.at for f in facts],
        "sources": [f.source_event_id for f in facts],
        "types": [f.source_type for f in facts],
        "units": [f.unit_code for f in facts],
        "cleared": [f.cleared_at for f in facts],
    }
