"""Progress per unit toward its task, as the reports show it, and the full recount.

Done = persons whose payment was deposited before the cut-off (or those persons' deposited
yuan, for a money task); a unit's figures cover its whole subtree; a task set for a unit by
the level above wins over the sum of its children's tasks (domain `roll_up`). The reports
read the live figures (`tally`); `recount` derives the same figures from the enrollments
themselves, to check or repair them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import identifiers
from libs.common.db import table_of
from services.enrollment.domain.progress import UnitProgress
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.targets import tally

E = table_of(Enrollment)


@dataclass(frozen=True)
class UnitFigures:
    """One unit's figures for a scheme-year (its subtree included)."""

    unit_code: str
    task_kind: str
    progress: UnitProgress
    completed: int
    enrolled: int
    deposited: Decimal


async def figures(
    session: AsyncSession, scheme: str, year: int, unit_code: str
) -> dict[str, UnitFigures]:
    """The live figures of `unit_code` and every unit under it, keyed by unit code."""
    kind = await tally.task_kind(session, unit_code, scheme, year)
    rows = await tally.figures(session, scheme, year, identifiers.unit_prefix(unit_code))
    return {unit: _of_row(row, kind.value) for unit, row in rows.items()}


async def recount(session: AsyncSession, scheme: str, year: int) -> dict[str, tally.Standing]:
    """Every unit's standing counted afresh from the enrollments (the live figures' proof)."""
    live = func.count().filter(E.c.state.notin_(tally.EXCLUDED_STATES))
    rows = (
        await session.execute(
            select(
                E.c.unit_code,
                func.count().filter(E.c.counted.is_(True), E.c.state.notin_(tally.EXCLUDED_STATES)),
                live,
                func.coalesce(
                    func.sum(E.c.deposited).filter(E.c.state.notin_(tally.EXCLUDED_STATES)), 0
                ),
            )
            .where(E.c.scheme_code == scheme, E.c.year == year)
            .group_by(E.c.unit_code)
        )
    ).all()
    totals: dict[str, tally.Standing] = {}
    for unit, completed, enrolled, deposited in rows:
        shifts = tally.Shifts()
        shifts.move(
            scheme, year, unit, tally.NOTHING, tally.Standing(completed, enrolled, deposited)
        )
        for code, diff in shifts.per_scheme_year().get((scheme, year), {}).items():
            totals[code] = totals.get(code, tally.NOTHING) + diff
    return totals


def _of_row(row: Any, kind: str) -> UnitFigures:
    done = Decimal(row.completed) if kind == "persons" else row.deposited
    return UnitFigures(
        unit_code=row.unit_code,
        task_kind=kind,
        progress=UnitProgress(row.unit_code, done, row.task),
        completed=row.completed,
        enrolled=row.enrolled,
        deposited=row.deposited,
    )
