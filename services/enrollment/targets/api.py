"""Tasks, progress, circulars, the village public list and statistics (JSON or .xlsx)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from libs.common.access import FromPath, FromQuery, Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code, Year
from libs.common.deps import PiiVaultDep, UnitOfWorkDep
from libs.common.identifiers import UnitCode
from services.enrollment.access import PLANNERS, READERS
from services.enrollment.export import XLSX_RESPONSES as XLSX
from services.enrollment.export import Format, models_xlsx
from services.enrollment.targets import reports, service
from services.enrollment.targets.schemas import (
    Circular,
    CircularRow,
    ProgressReport,
    ProgressRow,
    PublicListRow,
    ShareRow,
    Statistics,
    TaskPut,
    TaskRead,
)

router = APIRouter(tags=["targets and reports"])
Unit = Annotated[UnitCode, Query()]
Planner = Annotated[Principal, allow(Policy.of((PLANNERS, FromPath("unit_code"))))]
Reader = Annotated[Principal, allow(Policy.of((READERS, FromQuery("unit_code"))))]


def _out(format: str, name: str, model: Any, row_model: type[BaseModel], rows: list[Any]) -> Any:
    """The model itself, or its rows as an .xlsx download (header row even when empty)."""
    if format != "xlsx":
        return model
    return models_xlsx(name, row_model, rows)


@router.put("/targets/{scheme_code}/{year}/{unit_code}", response_model=TaskRead)
async def put_task(
    scheme_code: Code,
    year: Year,
    unit_code: UnitCode,
    body: TaskPut,
    user: Planner,
    uow: UnitOfWorkDep,
) -> TaskRead:
    """Set a unit's task (任务数) for a scheme-year; only the level above may."""
    return await service.set_task(uow, user, scheme_code, year, unit_code, body)


@router.get("/targets/{scheme_code}/{year}", response_model=list[TaskRead], responses=XLSX)
async def get_tasks(
    scheme_code: Code,
    year: Year,
    unit_code: Unit,
    user: Reader,
    uow: UnitOfWorkDep,
    format: Format = "json",
) -> list[TaskRead] | Response:
    """The tasks set in a unit's subtree (itself included): each unit's, by whom and when."""
    tasks = await service.tasks(uow, user, scheme_code, year, unit_code)
    return _out(format, f"tasks-{scheme_code}-{year}-{unit_code}", tasks, TaskRead, tasks)


@router.get("/progress/{scheme_code}/{year}", response_model=ProgressReport, responses=XLSX)
async def get_progress(
    scheme_code: Code,
    year: Year,
    unit_code: Unit,
    user: Reader,
    uow: UnitOfWorkDep,
    format: Format = "json",
) -> ProgressReport | Response:
    """Progress and rate per unit in a subtree, rolled up the unit tree."""
    report = await service.progress_report(uow, user, scheme_code, year, unit_code)
    return _out(format, f"progress-{unit_code}", report, ProgressRow, report.rows)


@router.get("/circulars/{scheme_code}/{year}", response_model=Circular, responses=XLSX)
async def get_circular(
    scheme_code: Code,
    year: Year,
    unit_code: Unit,
    user: Reader,
    uow: UnitOfWorkDep,
    period: Literal["weekly", "monthly"] = "weekly",
    format: Format = "json",
) -> Circular | Response:
    """The weekly or monthly circular (通报) ranking the units under a unit."""
    report = await service.circular(uow, user, scheme_code, year, unit_code, period)
    return _out(format, f"circular-{unit_code}-{period}", report, CircularRow, report.rows)


@router.get(
    "/public-list/{scheme_code}/{year}",
    response_model=list[PublicListRow],
    responses=XLSX,
)
async def get_public_list(
    scheme_code: Code,
    year: Year,
    unit_code: Unit,
    user: Reader,
    vault: PiiVaultDep,
    uow: UnitOfWorkDep,
    format: Format = "json",
) -> list[PublicListRow] | Response:
    """The village public payment list (公示), names and ID numbers masked."""
    rows = await reports.public_list(uow, user, vault, unit_code, scheme_code, year)
    return _out(format, f"public-list-{unit_code}", rows, PublicListRow, rows)


@router.get("/statistics/{scheme_code}/{year}", response_model=Statistics, responses=XLSX)
async def get_statistics(
    scheme_code: Code,
    year: Year,
    unit_code: Unit,
    user: Reader,
    uow: UnitOfWorkDep,
    format: Format = "json",
) -> Statistics | Response:
    """Counts by state and subsidy category with percentage shares (rounding stated)."""
    stats = await reports.statistics(uow, user, scheme_code, year, unit_code)
    return _out(format, f"statistics-{unit_code}", stats, ShareRow, stats.rows)
