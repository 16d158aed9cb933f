"""Reading live rankings: one indexed query per page, movement per snapshot cadence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import URL, RowMapping, text
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.common.auth import Principal, ensure_role
from libs.common.errors import NotFound, RuleViolation
from libs.common.identifiers import unit_prefix
from services.scoring import roles
from services.scoring.campaigns.policies import parse_stored
from services.scoring.campaigns.service import ensure_may_read
from services.scoring.credit.schemas import ExplanationLineRead
from services.scoring.domain.cadence import SnapshotCadence
from services.scoring.domain.campaign_policy import CampaignPolicy
from services.scoring.rankings.schemas import RankingRead, RankingRow

# Ranks are competition ranks: the unit at position p (from 0) has rank r <= p + 1 and its
# tie group starts at position r - 1. So a page seeks in the (campaign, pool, rank) index to
# the greatest rank <= offset + 1 and skips only within that tie group, instead of reading
# `offset` rows. Movement is a primary-key lookup per row in the cadence's latest snapshot,
# whatever the planner knows of the tables' statistics. The campaign row comes along (one row
# with no unit when the page is empty) for its version: see `_Definition`.
_PAGE = """
WITH latest AS (
    SELECT id, period FROM ranking_snapshot
     WHERE campaign = :campaign AND cadence = :cadence
     ORDER BY period_end DESC LIMIT 1
), page AS ({rows})
SELECT campaign.xmin AS version, page.*,
       (SELECT period FROM latest) AS since,
       (SELECT e.rank FROM snapshot_entry AS e
         WHERE e.snapshot_id = (SELECT id FROM latest) AND e.unit_code = page.unit_code)
       AS before
  FROM campaign LEFT JOIN page ON true
 WHERE campaign.code = :campaign
 ORDER BY page.rank, page.unit_code
"""
_ROWS = """
    SELECT unit_code, name, score, rank, value, task, progress, completed_at,
           CAST(explanation AS text) AS explanation, pool_size
      FROM campaign_unit
     WHERE campaign = :campaign AND pool = :pool {where}
     ORDER BY rank, unit_code
"""
_START = (
    "(SELECT COALESCE(max(rank), 1) FROM campaign_unit"
    " WHERE campaign = :campaign AND pool = :pool AND rank <= :offset + 1)"
)
_SEEK = text(
    _PAGE.format(
        rows=_ROWS.format(where=f"AND rank >= {_START}")
        + f" OFFSET :offset + 1 - {_START} LIMIT :limit"
    )
)
_WITHIN = text(
    _PAGE.format(
        rows=_ROWS.format(where="AND unit_code LIKE :prefix") + " OFFSET :offset LIMIT :limit"
    )
)
_LINES = TypeAdapter(list[ExplanationLineRead])
_DEFINITION = text("SELECT xmin AS version, scope_unit, policy FROM campaign WHERE code = :code")


@dataclass(frozen=True)
class _Definition:
    """What a page needs of its campaign, as of one version of the campaign row.

    `xmin` changes with every update of the row and when a campaign is created anew under the
    same code, so a definition kept from an earlier request is used only when the page's own
    statement finds the row at the same version.
    """

    code: str
    version: int
    scope_unit: str
    policy: CampaignPolicy


_KEPT = 1000
_definitions: dict[tuple[URL, str], _Definition] = {}
"""The last definition read, by database and campaign code."""


def default_cadence(policy: CampaignPolicy) -> SnapshotCadence:
    """Movement is shown since the weekly snapshot, or the campaign's first cadence."""
    if SnapshotCadence.WEEKLY_FRIDAY in policy.cadences:
        return SnapshotCadence.WEEKLY_FRIDAY
    return policy.cadences[0]


async def live_ranking(
    conn: AsyncConnection,
    user: Principal,
    code: str,
    pool: str,
    offset: int,
    limit: int,
    cadence: SnapshotCadence | None = None,
) -> RankingRead:
    """A page of a pool's current ranking; units outside the caller's subtree are left out."""
    ensure_role(user, *roles.READERS)
    asked = _Asked(code, pool, offset, limit, cadence)
    definition, rows = await _current_page(conn, user, asked)
    ensure_may_read(user, definition.scope_unit)
    policy = definition.policy
    if pool not in {p.code for p in policy.pools}:
        raise NotFound(f"Campaign {code} has no pool {pool}.")
    cadence = cadence or default_cadence(policy)
    if cadence not in policy.cadences:
        raise RuleViolation(f"Campaign {code} has no {cadence} cadence.", field="cadence")
    units = [r for r in rows if r["unit_code"] is not None]
    return RankingRead(
        campaign=code,
        pool=pool,
        pool_size=units[0]["pool_size"] if units else 0,
        offset=offset,
        movement_cadence=cadence,
        movement_since=units[0]["since"] if units else None,
        units=[_row(r) for r in units],
    )


@dataclass(frozen=True)
class _Asked:
    """The page a request asks for."""

    code: str
    pool: str
    offset: int
    limit: int
    cadence: SnapshotCadence | None


async def _current_page(
    conn: AsyncConnection, user: Principal, asked: _Asked
) -> tuple[_Definition, Sequence[RowMapping]]:
    """The page and the campaign definition as of that same statement (checked by the caller)."""
    code = asked.code
    definition = _definitions.get((conn.engine.url, code)) or await _read_definition(conn, code)
    rows = await _page(conn, user, definition, asked)
    while not rows or rows[0]["version"] != definition.version:  # changed since it was kept
        definition = await _read_definition(conn, code)
        rows = await _page(conn, user, definition, asked)
    return definition, rows


async def _read_definition(conn: AsyncConnection, code: str) -> _Definition:
    key = (conn.engine.url, code)
    row = (await conn.execute(_DEFINITION, {"code": code})).one_or_none()
    if row is None:
        _definitions.pop(key, None)
        raise NotFound(f"No campaign {code}.")
    if len(_definitions) >= _KEPT:
        _definitions.clear()
    _definitions[key] = _Definition(code, row.version, row.scope_unit, parse_stored(row.policy))
    return _definitions[key]


async def _page(
    conn: AsyncConnection, user: Principal, definition: _Definition, asked: _Asked
) -> Sequence[RowMapping]:
    params: dict[str, Any] = {
        "campaign": definition.code,
        "pool": asked.pool,
        "cadence": (asked.cadence or default_cadence(definition.policy)).value,
        "offset": asked.offset,
        "limit": asked.limit,
    }
    query = _SEEK
    if not user.covers(definition.scope_unit):  # positions differ in a subtree: plain offset
        query, params["prefix"] = _WITHIN, unit_prefix(user.jurisdiction) + "%"
    return (await conn.execute(query, params)).mappings().all()


def _row(r: RowMapping) -> RankingRow:
    return RankingRow(
        unit_code=r["unit_code"],
        name=r["name"],
        score=r["score"],
        rank=r["rank"],
        movement=None if r["before"] is None else r["before"] - r["rank"],
        value=r["value"],
        task=r["task"],
        progress=r["progress"],
        completed_at=r["completed_at"],
        explanation=explanation(r["explanation"]),
    )


@lru_cache(maxsize=8192)
def explanation(stored: str) -> list[ExplanationLineRead]:
    """A stored explanation, parsed; pages are read far more often than scores move."""
    return _LINES.validate_json(stored)
