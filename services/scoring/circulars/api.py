"""Circulars (通报) of a snapshot, as a workbook or a printable page."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from libs.common.access import Policy, allow
from libs.common.auth import Principal
from libs.common.deps import UnitOfWorkDep
from libs.common.downloads import content_disposition, download
from services.scoring.circulars import render, service
from services.scoring.roles import READERS
from services.scoring.scopes import SNAPSHOT

router = APIRouter(prefix="/snapshots", tags=["circulars"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
Reader = Annotated[Principal, allow(Policy.of((READERS, SNAPSHOT)))]
"""A circular shows the caller's subtree's units only (ranks stay those of the whole pool)."""


def _file(media_type: str, what: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": what, "content": {media_type: {}}}}


@router.get(
    "/{snapshot_id}/circular.xlsx", response_class=Response, responses=_file(XLSX, "The workbook")
)
async def circular_xlsx(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> Response:
    """The snapshot's circular as .xlsx: ranks per pool, praised, criticised, triggers."""
    circular = await service.circular(uow, user, snapshot_id)
    return download(render.to_xlsx(circular), XLSX, f"circular-{circular.snapshot.period}.xlsx")


@router.get("/{snapshot_id}/circular.html", response_class=HTMLResponse)
async def circular_html(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> HTMLResponse:
    """The snapshot's circular as a printable HTML page (shown, and named if saved)."""
    circular = await service.circular(uow, user, snapshot_id)
    name = f"circular-{circular.snapshot.period}.html"
    return HTMLResponse(
        render.to_html(circular),
        headers={"Content-Disposition": content_disposition(name, "inline")},
    )


@router.get("/{snapshot_id}/circular.pdf", response_class=Response, responses=_file(PDF, "The PDF"))
async def circular_pdf(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> Response:
    """The snapshot's circular as an A4 PDF, as issued: head, praised, criticised, ranks."""
    circular = await service.circular(uow, user, snapshot_id)
    return download(render.to_pdf(circular), PDF, f"circular-{circular.snapshot.period}.pdf")
