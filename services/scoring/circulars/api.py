"""Circulars (通报) of a snapshot, as a workbook or a printable page."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from libs.common.access import Policy, allow
from libs.common.auth import Principal
from libs.common.deps import UnitOfWorkDep
from services.scoring.circulars import render, service
from services.scoring.roles import READERS
from services.scoring.scopes import SNAPSHOT

router = APIRouter(prefix="/snapshots", tags=["circulars"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
Reader = Annotated[Principal, allow(Policy.of((READERS, SNAPSHOT)))]
"""A circular shows the caller's subtree's units only (ranks stay those of the whole pool)."""


@router.get("/{snapshot_id}/circular.xlsx", response_class=Response)
async def circular_xlsx(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> Response:
    """The snapshot's circular as .xlsx: ranks per pool, praised, criticised, triggers."""
    circular = await service.circular(uow, user, snapshot_id)
    disposition = f'attachment; filename="circular-{circular.snapshot.period}.xlsx"'
    return Response(
        render.to_xlsx(circular), media_type=XLSX, headers={"Content-Disposition": disposition}
    )


@router.get("/{snapshot_id}/circular.html", response_class=HTMLResponse)
async def circular_html(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> HTMLResponse:
    """The snapshot's circular as a printable HTML page."""
    return HTMLResponse(render.to_html(await service.circular(uow, user, snapshot_id)))


@router.get("/{snapshot_id}/circular.pdf", response_class=Response)
async def circular_pdf(snapshot_id: uuid.UUID, user: Reader, uow: UnitOfWorkDep) -> Response:
    """The snapshot's circular as an A4 PDF, as issued: head, praised, criticised, ranks."""
    circular = await service.circular(uow, user, snapshot_id)
    disposition = f'attachment; filename="circular-{circular.snapshot.period}.pdf"'
    return Response(
        render.to_pdf(circular), media_type=PDF, headers={"Content-Disposition": disposition}
    )
