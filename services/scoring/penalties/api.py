"""Penalty ladders: what a number of incidents in a month sets off."""

from __future__ import annotations

from fastapi import APIRouter

from libs.common.bounds import Code
from libs.common.deps import CurrentUser
from services.scoring.penalties import service
from services.scoring.penalties.schemas import LadderEvaluate, LadderResultRead

router = APIRouter(prefix="/penalty-ladders", tags=["penalties"])


@router.post("/{code}/evaluate", response_model=LadderResultRead)
async def evaluate(code: Code, body: LadderEvaluate, user: CurrentUser) -> LadderResultRead:
    """The actions due for a unit's incidents in one month (e.g. `straw_burning`)."""
    return service.evaluate(user, code, body)
