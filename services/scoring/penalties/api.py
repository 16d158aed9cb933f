"""Penalty ladders: what a number of incidents in a month sets off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from libs.common.access import Anywhere, Policy, allow
from libs.common.auth import Principal
from libs.common.bounds import Code
from services.scoring.penalties import service
from services.scoring.penalties.schemas import LadderEvaluate, LadderResultRead
from services.scoring.roles import READERS

router = APIRouter(prefix="/penalty-ladders", tags=["penalties"])
Reader = Annotated[Principal, allow(Policy.of((READERS, Anywhere())))]
"""A ladder is policy text; evaluating it reads and stores nothing."""


@router.post("/{code}/evaluate", response_model=LadderResultRead)
async def evaluate(code: Code, body: LadderEvaluate, user: Reader) -> LadderResultRead:
    """The actions due for a unit's incidents in one month (e.g. `straw_burning`)."""
    return service.evaluate(user, code, body)
