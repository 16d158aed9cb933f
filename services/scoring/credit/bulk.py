"""Recomputing many provisional scores at once (a policy change, a rebuild), set-based.

Entities are read, scored and written back in large batches: two reads and at most three
writes per batch (scores, history, `credit.grade_changed` outbox rows), never one ORM
round trip per entity.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import outbox
from libs.common.events.catalogue.scoring import CreditGradeChanged, ScoreKind
from libs.common.events.envelope import Envelope
from libs.common.platform_schema import outbox as outbox_table
from services.scoring.credit import scoring
from services.scoring.domain.credit_rules import CreditRules

_ENTITIES = text(
    """
    SELECT credit_code, basic, GREATEST(score_as_of, basic_posted_at) AS as_of,
           provisional_score, policy_version, official_grade, effective_grade,
           -- under another version the row is rewritten anyway: no need to read it
           CASE WHEN policy_version = :version THEN explanation END AS explanation
      FROM credit_entity
     WHERE basic IS NOT NULL AND credit_code > :after
       AND (CAST(:until AS text) IS NULL OR credit_code <= CAST(:until AS text))
     ORDER BY credit_code
     LIMIT :limit
       FOR UPDATE
    """
)
_ITEMS = text(
    """
    SELECT credit_code, kind, occurred_at, source_event_id
      FROM credit_item
     WHERE credit_code = ANY(CAST(:codes AS text[])) AND NOT withdrawn AND cleared_at IS NULL
    """
)
_UPDATE = """
    UPDATE credit_entity AS e
       SET provisional_score = v.score, provisional_grade = v.grade, policy_version = v.version,
           explanation = CAST(v.explanation AS jsonb), score_as_of = v.as_of,
           effective_grade = v.effective, updated_at = now()
      FROM unnest(CAST(:codes AS text[]), CAST(:scores AS numeric[]), CAST(:grades AS text[]),
                  CAST(:versions AS text[]), CAST(:explanations AS text[]),
                  CAST(:as_of AS timestamptz[]), CAST(:effective AS text[]))
           AS v(code, score, grade, version, explanation, as_of, effective)
     WHERE e.credit_code = v.code
"""
_RESCORE = text(_UPDATE)
# One statement: the history rows are copied from the rows just updated, so the
# explanations cross the wire and are parsed once, and the batch costs one round trip.
_RESCORE_WITH_HISTORY = text(
    f"""
    WITH updated AS ({_UPDATE}
        RETURNING e.credit_code, e.provisional_score, e.provisional_grade, e.policy_version,
                  e.explanation)
    INSERT INTO credit_score_history
           (credit_code, kind, score, grade, policy_version, explanation, cause)
    SELECT credit_code, 'provisional', provisional_score, provisional_grade, policy_version,
           explanation, :cause
      FROM updated ORDER BY credit_code
    """
)


@dataclass
class BulkOutcome:
    """How many entities were scored, rewritten, moved in score and in grade."""

    entities: int = 0
    rewritten: int = 0
    scores_changed: int = 0
    grades_changed: int = 0

    def add(self, other: BulkOutcome) -> None:
        """Add another batch's counts to these."""
        self.entities += other.entities
        self.rewritten += other.rewritten
        self.scores_changed += other.scores_changed
        self.grades_changed += other.grades_changed


@dataclass
class Scored:
    """A batch scored in memory: its counts, last credit code, rows and events to write."""

    outcome: BulkOutcome
    last: str | None
    changed: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    grade_events: list[Envelope] = field(default_factory=list)


async def score_batch(
    session: AsyncSession,
    rules: CreditRules,
    after: str,
    limit: int,
    *,
    announce: bool,
    until: str | None = None,
) -> Scored:
    """Lock and score the next `limit` entities after `after` (up to `until`) under `rules`.

    Writes nothing. With `announce`, changed effective grades get a `credit.grade_changed`.
    """
    params = {"after": after, "until": until, "limit": limit, "version": rules.version}
    rows = (await session.execute(_ENTITIES, params)).all()
    if not rows:
        return Scored(BulkOutcome(), None)
    codes = [r.credit_code for r in rows]
    items: dict[str, list[tuple[str, datetime, str]]] = defaultdict(list)
    for item in (await session.execute(_ITEMS, {"codes": codes})).all():
        items[item.credit_code].append((item.kind, item.occurred_at, item.source_event_id))
    scored = Scored(BulkOutcome(entities=len(rows)), codes[-1])
    for row in rows:
        result = scoring.provisional(row.basic, items[row.credit_code], rules, row.as_of)
        explanation = scoring.explanation_json(result.explanation)
        stored = (row.provisional_score, row.explanation, row.policy_version)
        if stored == (result.score, explanation, result.policy_version):
            continue
        _changed(scored, row, result, explanation, announce=announce)
    return scored


def _changed(
    scored: Scored, row: Any, result: Any, explanation: list[dict[str, str]], *, announce: bool
) -> None:
    effective = row.official_grade or result.grade.value
    if effective != row.effective_grade:
        scored.outcome.grades_changed += 1
        if announce:
            kind = ScoreKind.OFFICIAL if row.official_grade else ScoreKind.PROVISIONAL
            event = scoring.grade_changed(row.credit_code, row.effective_grade, effective, kind)
            scored.grade_events.append(Envelope.wrap(event))
    scored.outcome.rewritten += 1
    scored.outcome.scores_changed += row.provisional_score != result.score
    changed = scored.changed
    changed["codes"].append(row.credit_code)
    changed["scores"].append(result.score)
    changed["grades"].append(result.grade.value)
    changed["versions"].append(result.policy_version)
    changed["explanations"].append(json.dumps(explanation, ensure_ascii=False))
    changed["as_of"].append(row.as_of)
    changed["effective"].append(effective)


async def write_batch(session: AsyncSession, scored: Scored, *, history: bool, cause: str) -> None:
    """Write a scored batch (no commit): scores, history rows if asked, grade events."""
    if not scored.changed:
        return
    if history:
        await session.execute(_RESCORE_WITH_HISTORY, {**scored.changed, "cause": cause})
    else:
        await session.execute(_RESCORE, scored.changed)
    if scored.grade_events:
        topic = CreditGradeChanged.topic()
        rows = [outbox.row_for(e, topic) for e in scored.grade_events]
        await session.execute(insert(outbox_table), rows)


async def recompute_batch(
    session: AsyncSession,
    rules: CreditRules,
    after: str,
    limit: int,
    *,
    announce: bool,
    cause: str,
    until: str | None = None,
) -> tuple[BulkOutcome, str | None]:
    """Score and write the next `limit` entities after `after` under `rules` (no commit).

    With `announce`, changed scores get a history row and changed effective grades a
    `credit.grade_changed` event; without (a rebuild), the state is only brought in line.
    Returns the counts and the last credit code seen (None when no entity was left).
    """
    scored = await score_batch(session, rules, after, limit, announce=announce, until=until)
    await write_batch(session, scored, history=announce, cause=cause)
    return scored.outcome, scored.last
