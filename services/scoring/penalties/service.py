"""Penalty ladders (002:L825–L827): the consequences due for a number of incidents."""

from __future__ import annotations

from libs.common.auth import Principal, ensure_role
from libs.common.errors import NotFound
from services.scoring import roles
from services.scoring.domain.penalties import PenaltyLadder, apply_penalty_ladder
from services.scoring.penalties.schemas import LadderEvaluate, LadderResultRead, PenaltyActionRead
from services.scoring.policy import load_penalty_ladder

LADDERS = {"straw_burning": "straw_burning_ladder.v1.toml"}


def ladder(code: str) -> PenaltyLadder:
    """A bundled ladder by code."""
    if code not in LADDERS:
        raise NotFound(f"No penalty ladder {code}.")
    return load_penalty_ladder(LADDERS[code])


def evaluate(user: Principal, code: str, body: LadderEvaluate) -> LadderResultRead:
    """Every action the ladder requires for `body.incidents` (steps stack by default)."""
    ensure_role(user, *roles.READERS)
    rules = ladder(code)
    actions = apply_penalty_ladder(body.incidents, rules)
    return LadderResultRead(
        ladder=rules.code,
        version=rules.version,
        above_includes_threshold=rules.above_includes_threshold,
        steps_stack=rules.steps_stack,
        incidents=body.incidents,
        actions=[
            PenaltyActionRead(
                step_code=a.step_code,
                kind=a.kind.value,
                target_role=a.target_role,
                amount=a.amount,
                incidents=a.incidents,
                by_role=a.by_role,
                text=a.text,
            )
            for a in actions
        ],
    )
