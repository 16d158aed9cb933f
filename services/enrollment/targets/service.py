"""Task and progress use cases: set tasks from the level above, report progress, circulars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from libs.common import identifiers
from libs.common.auth import Principal
from libs.common.db import UnitOfWork
from libs.common.errors import Forbidden
from libs.common.events.envelope import Event
from services.enrollment import access
from services.enrollment.domain.policy import SchemePolicy
from services.enrollment.domain.progress import meets_target
from services.enrollment.enrollments.models import Enrollment, EnrollmentTransition
from services.enrollment.schemes import service as schemes
from services.enrollment.targets import progress, tally
from services.enrollment.targets.models import Task
from services.enrollment.targets.schemas import (
    Circular,
    CircularRow,
    ProgressReport,
    ProgressRow,
    TaskPut,
    TaskRead,
)
from services.enrollment.units import service as units
from services.enrollment.units.models import Unit


async def set_task(
    uow: UnitOfWork, user: Principal, scheme: str, year: int, unit_code: str, body: TaskPut
) -> TaskRead:
    """Set a unit's task; only the level directly above (its parent's officer) may."""
    access.require(user, access.PLANNERS, unit_code)
    parent = identifiers.parent_unit(unit_code)
    if parent != user.jurisdiction:
        raise Forbidden(
            f"A unit's task is set by the level directly above it: {unit_code}'s by the "
            f"officers of {parent}.",
            field="unit_code",
        )
    row = await schemes.require_scheme_year(uow.session, unit_code, scheme, year)
    await units.require_unit(uow.session, unit_code)
    set_at = datetime.now(UTC)
    values = {
        "scheme_code": scheme,
        "year": year,
        "unit_code": unit_code,
        "kind": row.task_kind,
        "task": body.task,
        "set_by": user.subject,
        "set_at": set_at,
    }
    stmt = pg_insert(Task).values(**values)
    await uow.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["scheme_code", "year", "unit_code"],
            set_={k: stmt.excluded[k] for k in ("task", "kind", "set_by", "set_at")},
        )
    )
    events: list[Event] = []
    await tally.retask(uow, scheme, year, events)
    await uow.emit_all(events)
    await uow.commit()
    return TaskRead.model_validate(values)


async def tasks(
    uow: UnitOfWork, user: Principal, scheme: str, year: int, unit_code: str
) -> list[TaskRead]:
    """The tasks set for a unit and every unit in its subtree, in unit order."""
    access.require(user, access.READERS, unit_code)
    await schemes.require_scheme_year(uow.session, unit_code, scheme, year)
    rows = await uow.session.scalars(
        select(Task)
        .where(
            Task.scheme_code == scheme,
            Task.year == year,
            Task.unit_code.startswith(identifiers.unit_prefix(unit_code)),
        )
        .order_by(Task.unit_code)
    )
    return [TaskRead.model_validate(row) for row in rows]


async def progress_report(
    uow: UnitOfWork, user: Principal, scheme: str, year: int, unit_code: str
) -> ProgressReport:
    """Progress of a unit and every unit in its subtree."""
    access.require(user, access.READERS, unit_code)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(uow.session, unit_code, scheme, year)
    )
    prefix = identifiers.unit_prefix(unit_code)
    table = await progress.figures(uow.session, scheme, year, unit_code)
    names = await _names(uow, prefix)
    rows = [_row(table[u], names.get(u), policy) for u in sorted(table) if u.startswith(prefix)]
    return ProgressReport(scheme_code=scheme, year=year, rounding=_rounding(policy), rows=rows)


async def circular(
    uow: UnitOfWork, user: Principal, scheme: str, year: int, unit_code: str, period: str
) -> Circular:
    """Rank the units directly under `unit_code`; those below target must explain."""
    access.require(user, access.READERS, unit_code)
    policy = schemes.policy_of(
        await schemes.require_scheme_year(uow.session, unit_code, scheme, year)
    )
    table = await progress.figures(uow.session, scheme, year, unit_code)
    end = datetime.now(UTC)
    start = end - timedelta(days=7 if period == "weekly" else 30)
    fresh = await _completed_between(uow, scheme, year, start, end)
    names = await _names(uow, identifiers.unit_prefix(unit_code))
    children = [f for u, f in table.items() if identifiers.parent_unit(u) == unit_code]
    children.sort(key=lambda f: (-(f.progress.ratio() or 0), f.unit_code))
    rows = []
    for rank, f in enumerate(children, start=1):
        base = _row(f, names.get(f.unit_code), policy)
        in_period = sum(
            n for u, n in fresh.items() if u.startswith(identifiers.unit_prefix(f.unit_code))
        )
        rows.append(
            CircularRow(
                **base.model_dump(),
                rank=rank,
                completed_in_period=in_period,
                must_explain=base.meets_target is False,
            )
        )
    target = policy.target.enrollment_rate if policy.target else None
    return Circular(
        scheme_code=scheme,
        year=year,
        unit_code=unit_code,
        period=period,
        period_start=start,
        period_end=end,
        target_rate=target,
        rounding=_rounding(policy),
        rows=rows,
    )


def _row(f: progress.UnitFigures, name: str | None, policy: SchemePolicy) -> ProgressRow:
    meets = None
    if policy.target is not None and f.progress.task:
        meets = meets_target(policy.target, f.progress, f.deposited, f.completed)
    return ProgressRow(
        unit_code=f.unit_code,
        unit_name=name,
        task_kind=f.task_kind,
        task=f.progress.task,
        done=f.progress.done,
        percent=f.progress.percent(policy.reporting),
        meets_target=meets,
        completed_persons=f.completed,
        enrolled_persons=f.enrolled,
        deposited_amount=f.deposited,
    )


def _rounding(policy: SchemePolicy) -> str:
    r = policy.reporting
    return f"{r.share_rounding} to {r.share_places} decimal place(s) of a percent"


async def _names(uow: UnitOfWork, prefix: str) -> dict[str, str]:
    rows = await uow.session.execute(
        select(Unit.code, Unit.name).where(Unit.code.startswith(prefix))
    )
    return {r.code: r.name for r in rows}


async def _completed_between(
    uow: UnitOfWork, scheme: str, year: int, start: datetime, end: datetime
) -> dict[str, int]:
    T = EnrollmentTransition
    rows = await uow.session.execute(
        select(Enrollment.unit_code, func.count())
        .join(T, T.enrollment_id == Enrollment.id)
        .where(
            Enrollment.scheme_code == scheme,
            Enrollment.year == year,
            T.to_state == "paid",
            T.at >= start,
            T.at < end,
        )
        .group_by(Enrollment.unit_code)
    )
    return {u: int(n) for u, n in rows}
