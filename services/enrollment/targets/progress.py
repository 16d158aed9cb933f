"""Progress per unit toward its task, rolled up the unit tree, announced as events.

Done = persons whose payment was deposited before the cut-off (or those persons' deposited
yuan, for a money task); a unit's figures cover its whole subtree; a task set for a unit by
the level above wins over the sum of its children's tasks (domain `roll_up`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import UnitOfWork, table_of
from libs.common.events.catalogue.enrollment import ProgressChanged, TaskKind
from libs.common.events.envelope import Event
from services.enrollment.domain.progress import UnitProgress, roll_up
from services.enrollment.domain.units import ancestors_of
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.enrollments.settlement import Settled
from services.enrollment.schemes.models import SchemeYear
from services.enrollment.targets.models import Task
from services.enrollment.units.models import Unit

E = table_of(Enrollment)
_NOT_COUNTED = ("duplicate", "terminated")


@dataclass(frozen=True)
class UnitFigures:
    """One unit's figures for a scheme-year (its subtree included)."""

    unit_code: str
    task_kind: str
    progress: UnitProgress
    completed: int
    enrolled: int
    deposited: Decimal


async def figures(session: AsyncSession, scheme: str, year: int) -> dict[str, UnitFigures]:
    """Every unit's rolled-up figures for a scheme-year, keyed by unit code."""
    kind = (
        await session.scalar(
            select(SchemeYear.task_kind).where(
                SchemeYear.scheme_code == scheme, SchemeYear.year == year
            )
        )
        or "persons"
    )
    rows = (
        await session.execute(
            select(
                E.c.unit_code,
                func.count().filter(E.c.counted.is_(True)).label("completed"),
                func.count().filter(E.c.state.notin_(_NOT_COUNTED)).label("enrolled"),
                func.coalesce(func.sum(E.c.deposited), 0).label("money"),
            )
            .where(E.c.scheme_code == scheme, E.c.year == year)
            .group_by(E.c.unit_code)
        )
    ).all()
    task_rows = await session.execute(
        select(Task.unit_code, Task.task).where(Task.scheme_code == scheme, Task.year == year)
    )
    tasks = {r.unit_code: r.task for r in task_rows}
    completed = roll_up({r.unit_code: Decimal(r.completed) for r in rows}, {})
    enrolled = roll_up({r.unit_code: Decimal(r.enrolled) for r in rows}, {})
    money = roll_up({r.unit_code: Decimal(r.money) for r in rows}, {})
    done = completed if kind == "persons" else money
    main = roll_up({u: p.done for u, p in done.items()}, tasks)
    return {
        unit: UnitFigures(
            unit_code=unit,
            task_kind=kind,
            progress=p,
            completed=int(completed[unit].done) if unit in completed else 0,
            enrolled=int(enrolled[unit].done) if unit in enrolled else 0,
            deposited=money[unit].done if unit in money else Decimal(0),
        )
        for unit, p in main.items()
    }


async def announce(
    uow: UnitOfWork, settled: Iterable[Settled], now: datetime, events: list[Event]
) -> None:
    """Append `progress.changed` for each moved village and its known ancestors."""
    moved: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
    for s in settled:
        if s.progress_moved:
            moved[(s.scheme_code, s.year)].add(s.unit_code)
    for (scheme, year), villages in moved.items():
        table = await figures(uow.session, scheme, year)
        above = {a for v in villages for a in ancestors_of(v)}
        known = set(await uow.session.scalars(select(Unit.code).where(Unit.code.in_(above))))
        for unit in sorted(villages | known):
            if unit in table:
                events.append(changed_event(table[unit], scheme, year, now))


def changed_event(f: UnitFigures, scheme: str, year: int, now: datetime) -> ProgressChanged:
    """The `progress.changed` event of one unit's figures."""
    return ProgressChanged(
        unit_code=f.unit_code,
        scheme=scheme,
        year=year,
        completed_persons=f.completed,
        enrolled_persons=f.enrolled,
        task_kind=TaskKind(f.task_kind),
        task=f.progress.task,
        deposited_amount=f.deposited,
        as_of=now,
    )
