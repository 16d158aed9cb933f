"""Live metrics: apply many metric changes to the campaign units they concern, set-based.

A batch of changes costs a fixed number of statements whatever its size: find the target
units, lock their pools (sorted), read the units, apply the changes in order in memory,
write back only the rows that changed in one UPDATE, re-rank the pools whose scores moved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from libs.common.identifiers import ancestors
from services.scoring.campaigns import ranks
from services.scoring.campaigns.models import Campaign
from services.scoring.campaigns.policies import parse_stored
from services.scoring.credit.scoring import explanation_json
from services.scoring.domain.campaign_policy import CampaignPolicy
from services.scoring.domain.live_metric import (
    MetricChange,
    UnitMetric,
    apply_metric_changes,
    score_unit,
)

Key = tuple[str, str]

_TARGETS = """
    FROM campaign_unit
   WHERE (campaign, unit_code) IN
         (SELECT * FROM unnest(CAST(:campaigns AS text[]), CAST(:units AS text[])))
"""
_POOLS = text("SELECT campaign, unit_code, pool" + _TARGETS)
_UNITS = text(
    "SELECT campaign, unit_code, pool, task, value, amount, persons, progress, stage_progress,"
    " completed_at, last_event_at, reading_as_of, day_facts, late_facts, counts_amount,"
    " score, explanation" + _TARGETS
)
_WRITE = text(
    """
    UPDATE campaign_unit AS cu
       SET task = v.task, value = v.value, amount = v.amount, persons = v.persons,
           progress = v.progress, stage_progress = CAST(v.stage_progress AS jsonb),
           completed_at = v.completed_at, last_event_at = v.last_event_at,
           reading_as_of = v.reading_as_of, day_facts = CAST(v.day_facts AS jsonb),
           late_facts = CAST(v.late_facts AS jsonb), counts_amount = v.counts_amount,
           score = v.score,
           explanation = CAST(v.explanation AS jsonb)
      FROM unnest(CAST(:campaigns AS text[]), CAST(:units AS text[]),
                  CAST(:task AS numeric[]), CAST(:value AS numeric[]),
                  CAST(:amount AS numeric[]), CAST(:persons AS numeric[]),
                  CAST(:progress AS numeric[]), CAST(:stage_progress AS text[]),
                  CAST(:completed_at AS timestamptz[]), CAST(:last_event_at AS timestamptz[]),
                  CAST(:reading_as_of AS timestamptz[]), CAST(:day_facts AS text[]),
                  CAST(:late_facts AS text[]), CAST(:counts_amount AS boolean[]),
                  CAST(:score AS numeric[]), CAST(:explanation AS text[]))
           AS v(campaign, unit_code, task, value, amount, persons, progress, stage_progress,
                completed_at, last_event_at, reading_as_of, day_facts, late_facts,
                counts_amount, score, explanation)
     WHERE cu.campaign = v.campaign AND cu.unit_code = v.unit_code
    """
)
_METRIC_FIELDS = (
    "task",
    "value",
    "amount",
    "persons",
    "progress",
    "stage_progress",
    "completed_at",
    "last_event_at",
    "reading_as_of",
    "day_facts",
    "late_facts",
    "counts_amount",
)
_JSON_FIELDS = frozenset({"stage_progress", "day_facts", "late_facts"})


@dataclass(frozen=True)
class LiveCampaign:
    """What matching a change to a campaign needs."""

    code: str
    metric: str
    year: int
    scheme: str | None
    policy: CampaignPolicy


def active_campaigns(session: Session, only: str | None = None) -> list[LiveCampaign]:
    """The active campaigns (or just `only`) with their parsed policies."""
    c = Campaign
    query = select(c.code, c.metric, c.year, c.scheme, c.policy).where(c.active.is_(True))
    if only is not None:
        query = query.where(c.code == only)
    return [
        LiveCampaign(r.code, r.metric, r.year, r.scheme, parse_stored(r.policy))
        for r in session.execute(query)
    ]


@lru_cache(maxsize=65_536)
def _with_ancestors(code: str) -> tuple[str, ...]:
    return (code, *ancestors(code))


def targets(
    changes: Sequence[MetricChange], campaigns: Sequence[LiveCampaign]
) -> dict[Key, list[MetricChange]]:
    """(campaign, unit) → the changes concerning it, in order (units may not be ranked)."""
    plan: dict[Key, list[MetricChange]] = defaultdict(list)
    by_metric: dict[tuple[str, int], list[LiveCampaign]] = defaultdict(list)
    for campaign in campaigns:
        by_metric[(campaign.metric, campaign.year)].append(campaign)
    for change in changes:
        year = change.campaign_year()
        concerned = [c for m in change.metrics for c in by_metric.get((m.value, year), ())]
        if not concerned:
            continue
        codes = (change.unit_code,) if change.exact_unit else _with_ancestors(change.unit_code)
        for campaign in concerned:
            if change.scheme is not None and campaign.scheme not in (None, change.scheme):
                continue
            for code in codes:
                plan[(campaign.code, code)].append(change)
    return plan


@dataclass
class _Unit:
    pool: str
    stored: UnitMetric
    score: Decimal
    explanation: list[dict[str, str]]
    metric: UnitMetric


class WorkingSet:
    """Campaign units read once (their pools locked first) and changed in memory.

    The live path uses one per transaction; a rebuild keeps one for the whole replay and
    writes every unit once at the end.
    """

    def __init__(self, session: Session, only: str | None = None) -> None:
        self.campaigns = {c.code: c for c in active_campaigns(session, only)}
        self.units: dict[Key, _Unit] = {}
        self._absent: set[Key] = set()

    def apply(self, session: Session, changes: Sequence[MetricChange]) -> int:
        """Apply changes (in any order: a unit's figures depend on the set of its facts);
        return how many ranked units they concerned."""
        plan = targets(changes, list(self.campaigns.values()))
        self._load(session, [k for k in plan if k not in self.units and k not in self._absent])
        moved = 0
        for key, concerning in plan.items():
            unit = self.units.get(key)
            if unit is None:
                continue
            campaign = self.campaigns[key[0]]
            unit.metric = apply_metric_changes(
                unit.metric, concerning, campaign.policy, campaign.year
            )
            moved += 1
        return moved

    def _load(self, session: Session, keys: list[Key]) -> None:
        if not keys:
            return
        params = _params(sorted(keys))
        ranks.lock_pools(session, ((r.campaign, r.pool) for r in session.execute(_POOLS, params)))
        for row in session.execute(_UNITS, params):
            metric = _metric_of(row)
            key = (row.campaign, row.unit_code)
            self.units[key] = _Unit(row.pool, metric, row.score, row.explanation, metric)
        self._absent.update(k for k in keys if k not in self.units)

    def flush(self, session: Session, *, rerank: bool = True) -> None:
        """Write back the units that changed; re-rank the pools whose scores moved."""
        written: dict[str, list[Any]] = defaultdict(list)
        moved_pools: set[Key] = set()
        for (code, unit_code), unit in self.units.items():
            if unit.metric is unit.stored:
                continue
            score, lines = score_unit(unit.metric, self.campaigns[code].policy)
            explanation = explanation_json(lines)
            unchanged = (unit.stored, unit.score, unit.explanation)
            if unchanged == (unit.metric, score, explanation):
                continue
            if score != unit.score:
                moved_pools.add((code, unit.pool))
            _collect(written, code, unit_code, unit.metric, score, explanation)
            unit.stored, unit.score, unit.explanation = unit.metric, score, explanation
        if written:
            session.execute(_WRITE, written)
        for campaign_code, pool in sorted(moved_pools) if rerank else ():
            ranks.rerank(session, campaign_code, pool)


def apply_changes(
    session: Session,
    changes: Sequence[MetricChange],
    only: str | None = None,
    *,
    rerank: bool = True,
) -> int:
    """Apply changes to every campaign unit they concern; return the units moved."""
    if not changes:
        return 0
    working = WorkingSet(session, only)
    moved = working.apply(session, changes)
    working.flush(session, rerank=rerank)
    return moved


async def apply_changes_now(
    session: AsyncSession, changes: Sequence[MetricChange], only: str | None = None
) -> int:
    """`apply_changes` from async code (campaign seeding)."""
    moved: int = await session.run_sync(apply_changes, changes, only)
    return moved


def reset_units(session: Session) -> None:
    """Every campaign unit back to nothing achieved against its defined task, rescored."""
    stored = session.execute(select(Campaign.code, Campaign.policy))
    policies = {r.code: parse_stored(r.policy) for r in stored}
    rows = session.execute(text("SELECT campaign, unit_code, defined_task FROM campaign_unit"))
    written: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        metric = UnitMetric(task=row.defined_task)
        score, lines = score_unit(metric, policies[row.campaign])
        _collect(written, row.campaign, row.unit_code, metric, score, explanation_json(lines))
    if written:
        session.execute(_WRITE, written)


def _params(keys: Sequence[Key]) -> dict[str, list[str]]:
    return {"campaigns": [k[0] for k in keys], "units": [k[1] for k in keys]}


def _metric_of(row: Any) -> UnitMetric:
    fields = {name: getattr(row, name) for name in _METRIC_FIELDS}
    fields["day_facts"] = {day: tuple(f) for day, f in (row.day_facts or {}).items()}
    fields["late_facts"] = {stage: tuple(f) for stage, f in (row.late_facts or {}).items()}
    return UnitMetric(**fields)


def _collect(
    written: dict[str, list[Any]],
    campaign: str,
    unit_code: str,
    metric: UnitMetric,
    score: Any,
    explanation: list[dict[str, str]],
) -> None:
    written["campaigns"].append(campaign)
    written["units"].append(unit_code)
    for name in _METRIC_FIELDS:
        value = getattr(metric, name)
        written[name].append(json.dumps(dict(value)) if name in _JSON_FIELDS else value)
    written["score"].append(score)
    written["explanation"].append(json.dumps(explanation, ensure_ascii=False))
