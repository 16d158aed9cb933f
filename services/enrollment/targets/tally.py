"""Live progress: each use case adds what it moved to `unit_progress`, village and ancestors.

An enrollment *stands* for (completed, enrolled, deposited) in its village and every unit
above it; duplicates and terminated enrollments stand for nothing. A use case records the
standing before and after each enrollment it moves (`Shifts`), then `apply` adds the
differences in one statement per scheme-year, in unit-code order (so concurrent
transactions lock the shared ancestor rows in the same order), and announces the new
figures of every registered unit it touched as `progress.changed`. The row lock orders
concurrent changes of one unit, and `as_of` is the database clock at the change, so the
events of one unit carry increasing `as_of` in the order they were made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, String, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import identifiers
from libs.common.db import UnitOfWork, table_of
from libs.common.events.catalogue.enrollment import ProgressChanged, TaskKind
from libs.common.events.envelope import Event
from services.enrollment.domain import regions
from services.enrollment.domain.progress import roll_up
from services.enrollment.schemes.models import SchemeYear
from services.enrollment.targets.models import Task, UnitProgress

T = table_of(UnitProgress)
ZERO = Decimal(0)
EXCLUDED_STATES = frozenset({"duplicate", "terminated"})


@dataclass(frozen=True)
class Standing:
    """What one enrollment (or a sum of them) counts for in its units' figures."""

    completed: int = 0
    enrolled: int = 0
    deposited: Decimal = ZERO

    def __add__(self, other: Standing) -> Standing:
        return Standing(
            self.completed + other.completed,
            self.enrolled + other.enrolled,
            self.deposited + other.deposited,
        )

    def __sub__(self, other: Standing) -> Standing:
        return Standing(
            self.completed - other.completed,
            self.enrolled - other.enrolled,
            self.deposited - other.deposited,
        )

    def __bool__(self) -> bool:
        return bool(self.completed or self.enrolled or self.deposited)


NOTHING = Standing()


def standing(state: str, counted: bool, deposited: Decimal) -> Standing:
    """An enrollment's standing: counted persons complete, every live one is enrolled."""
    if state in EXCLUDED_STATES:
        return NOTHING
    return Standing(int(counted), 1, deposited)


class Shifts:
    """The standing differences a use case makes, per scheme-year and village."""

    def __init__(self) -> None:
        self._by: defaultdict[tuple[str, int, str], Standing] = defaultdict(Standing)

    def move(self, scheme: str, year: int, unit: str, before: Standing, after: Standing) -> None:
        """Record that an enrollment of `unit` went from `before` to `after`."""
        if after != before:
            self._by[(scheme, year, unit)] += after - before

    def per_scheme_year(self) -> dict[tuple[str, int], dict[str, Standing]]:
        """Differences per scheme-year, for each village and each unit above it."""
        grouped: defaultdict[tuple[str, int], defaultdict[str, Standing]] = defaultdict(
            lambda: defaultdict(Standing)
        )
        for (scheme, year, unit), diff in self._by.items():
            if not diff:
                continue
            for code in (unit, *identifiers.ancestors(unit)):
                grouped[(scheme, year)][code] += diff
        return {key: {u: d for u, d in units.items() if d} for key, units in grouped.items()}


async def apply(uow: UnitOfWork, shifts: Shifts, events: list[Event]) -> None:
    """Add the shifts to the live figures; append `progress.changed` for registered units."""
    for (scheme, year), diffs in sorted(shifts.per_scheme_year().items()):
        if not diffs:
            continue
        rows = [_row(scheme, year, unit, diffs[unit]) for unit in sorted(diffs)]
        insert = pg_insert(T)
        add = insert.on_conflict_do_update(
            index_elements=[T.c.scheme_code, T.c.year, T.c.unit_code],
            set_={
                "completed": T.c.completed + insert.excluded.completed,
                "enrolled": T.c.enrolled + insert.excluded.enrolled,
                "deposited": T.c.deposited + insert.excluded.deposited,
                "as_of": func.clock_timestamp(),
            },
        ).returning(*_ANNOUNCED)
        changed = (await uow.session.execute(add, rows)).all()
        _announce(changed, events)


async def retask(uow: UnitOfWork, scheme: str, year: int, events: list[Event]) -> None:
    """Re-derive every unit's effective task after a task was set; announce the changes."""
    own = await uow.session.execute(
        select(Task.unit_code, Task.task).where(Task.scheme_code == scheme, Task.year == year)
    )
    effective = roll_up({}, {r.unit_code: r.task for r in own})
    rows = [
        _row(scheme, year, unit, NOTHING) | {"task": effective[unit].task}
        for unit in sorted(effective)
    ]
    if not rows:
        return
    insert = pg_insert(T)
    set_tasks = insert.on_conflict_do_update(
        index_elements=[T.c.scheme_code, T.c.year, T.c.unit_code],
        set_={"task": insert.excluded.task, "as_of": func.clock_timestamp()},
        where=T.c.task.is_distinct_from(insert.excluded.task),
    ).returning(*_ANNOUNCED)
    changed = (await uow.session.execute(set_tasks, rows)).all()
    _announce(changed, events)


async def figures(
    session: AsyncSession, scheme: str, year: int, prefix: str = ""
) -> dict[str, Any]:
    """The live rows of a scheme-year whose unit code starts with `prefix`."""
    rows = await session.execute(
        select(T).where(
            T.c.scheme_code == scheme, T.c.year == year, T.c.unit_code.startswith(prefix)
        )
    )
    return {r.unit_code: r for r in rows}


async def region_totals(session: AsyncSession) -> list[Any]:
    """Every scheme-year's figures for the whole region: the sum of its province rows (each
    enrollment stands in exactly one of them, as in each level of the tree)."""
    rows = await session.execute(
        select(
            T.c.scheme_code,
            T.c.year,
            func.sum(T.c.enrolled).label("enrolled"),
            func.sum(T.c.completed).label("completed"),
            func.sum(T.c.deposited).label("deposited"),
        )
        .where(T.c.unit_code.like("__0000000000"))
        .group_by(T.c.scheme_code, T.c.year)
    )
    return list(rows)


async def task_kind(session: AsyncSession, unit_code: str, scheme: str, year: int) -> TaskKind:
    """Whether the tasks of the scheme-year of `unit_code`'s region count persons or yuan."""
    kind = await session.scalar(
        select(SchemeYear.task_kind).where(
            SchemeYear.region_code == (regions.region_of(unit_code) or ""),
            SchemeYear.scheme_code == scheme,
            SchemeYear.year == year,
        )
    )
    return TaskKind(kind or "persons")


def event_of(row: Any, kind: TaskKind) -> ProgressChanged:
    """The `progress.changed` of one live row."""
    return ProgressChanged(
        unit_code=row.unit_code,
        scheme=row.scheme_code,
        year=row.year,
        completed_persons=row.completed,
        enrolled_persons=row.enrolled,
        task_kind=kind,
        task=row.task,
        deposited_amount=row.deposited,
        as_of=row.as_of,
    )


_ANNOUNCED = (
    *T.c,
    # Written out: SQLAlchemy does not correlate a subquery in RETURNING with the table.
    literal_column(
        "EXISTS (SELECT 1 FROM unit WHERE unit.code = unit_progress.unit_code)", Boolean
    ).label("registered"),
    literal_column(
        # The scheme-year of the unit's region; above the districts, one of a region below.
        "(SELECT scheme_year.task_kind FROM scheme_year WHERE scheme_year.scheme_code ="
        " unit_progress.scheme_code AND scheme_year.year = unit_progress.year AND"
        " (scheme_year.region_code = substr(unit_progress.unit_code, 1, 6) || '000000' OR"
        " (unit_progress.unit_code LIKE '____00000000' AND scheme_year.region_code LIKE"
        " rtrim(unit_progress.unit_code, '0') || '%')) ORDER BY scheme_year.region_code ="
        " substr(unit_progress.unit_code, 1, 6) || '000000' DESC, scheme_year.region_code"
        " LIMIT 1)",
        String,
    ).label("task_kind"),
)
"""A changed live row, whether its unit is registered, and what its tasks count: what
`progress.changed` needs, returned by the statement that changed the row."""


def _announce(changed: Iterable[Any], events: list[Event]) -> None:
    """`progress.changed` for each changed row of a registered unit."""
    events.extend(event_of(r, TaskKind(r.task_kind or "persons")) for r in changed if r.registered)


def _row(scheme: str, year: int, unit: str, diff: Standing) -> dict[str, Any]:
    return {
        "scheme_code": scheme,
        "year": year,
        "unit_code": unit,
        "completed": diff.completed,
        "enrolled": diff.enrolled,
        "deposited": diff.deposited,
        "task": ZERO,
    }


def as_mapping(rows: Mapping[str, Any]) -> dict[str, Standing]:
    """Live rows as standings (for comparing with a recount)."""
    return {u: Standing(r.completed, r.enrolled, r.deposited) for u, r in rows.items()}
