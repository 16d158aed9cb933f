"""Recomputing an entity's provisional score and telling the others when it moved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from libs.common.db import UnitOfWork
from libs.common.events.catalogue.scoring import (
    CreditGradeChanged,
    CreditScoreChanged,
    Grade,
    ScoreKind,
)
from services.scoring.credit import policies
from services.scoring.credit.models import CreditEntity, CreditItemRow, CreditScoreHistory
from services.scoring.domain.credit_rules import CreditDimension, CreditItemKind, CreditRules
from services.scoring.domain.explanation import ExplanationLine
from services.scoring.domain.provisional_score import (
    CreditItem,
    ProvisionalScore,
    compute_provisional_score,
)

_DIMENSIONS = {d.value: d for d in CreditDimension}
_KINDS = {k.value: k for k in CreditItemKind}


def explanation_json(lines: tuple[ExplanationLine, ...]) -> list[dict[str, str]]:
    """Explanation lines as stored JSON."""
    return [
        {"input": ln.input, "effect": str(ln.effect), "rule_code": ln.rule_code, "text": ln.text}
        for ln in lines
    ]


def effective_grade(entity: CreditEntity) -> tuple[str | None, ScoreKind | None]:
    """The grade supervision acts on: the official posting if any, else the provisional."""
    if entity.official_grade is not None:
        return entity.official_grade, ScoreKind.OFFICIAL
    if entity.provisional_grade is not None:
        return entity.provisional_grade, ScoreKind.PROVISIONAL
    return None, None


def provisional(
    basic: Mapping[str, str],
    items: Iterable[tuple[str, datetime, str]],
    rules: CreditRules,
    as_of: datetime,
) -> ProvisionalScore:
    """The provisional score of stored basic information and (kind, time, source) items."""
    dimensions = {_DIMENSIONS[k]: Decimal(v) for k, v in basic.items()}
    counted = [CreditItem(_KINDS[kind], at, source) for kind, at, source in items]
    return compute_provisional_score(dimensions, counted, rules, as_of)


async def recompute(
    uow: UnitOfWork, entity: CreditEntity, at: datetime, cause: str | None, *, emit: bool = True
) -> None:
    """Recompute the provisional score as of the latest input seen; record and announce it."""
    as_of = max(at, entity.score_as_of) if entity.score_as_of else at
    entity.score_as_of = as_of
    if entity.basic is None:
        return
    items = await uow.session.execute(
        select(CreditItemRow.kind, CreditItemRow.occurred_at, CreditItemRow.source_event_id).where(
            CreditItemRow.credit_code == entity.credit_code,
            CreditItemRow.withdrawn.is_(False),
            CreditItemRow.cleared_at.is_(None),
        )
    )
    rules = await policies.in_force(uow.session)
    counted = [(kind, occurred_at, source) for kind, occurred_at, source in items]
    result = provisional(entity.basic, counted, rules, as_of)
    previous = entity.provisional_score
    explanation = explanation_json(result.explanation)
    stored = (previous, entity.explanation, entity.policy_version)
    if stored == (result.score, explanation, result.policy_version):
        return
    entity.provisional_score, entity.provisional_grade = result.score, result.grade.value
    entity.policy_version, entity.explanation = result.policy_version, explanation
    if not emit:
        return
    uow.session.add(
        CreditScoreHistory(
            credit_code=entity.credit_code,
            kind=ScoreKind.PROVISIONAL.value,
            score=result.score,
            grade=result.grade.value,
            policy_version=result.policy_version,
            explanation=explanation,
            cause=cause,
        )
    )
    if previous != result.score:
        uow.emit(
            CreditScoreChanged(
                credit_code=entity.credit_code,
                score=result.score,
                previous_score=previous,
                grade=Grade(result.grade.value),
                kind=ScoreKind.PROVISIONAL,
                policy_version=result.policy_version,
                cause_event_id=cause,
                changed_at=datetime.now(UTC),
            )
        )


def grade_changed(
    credit_code: str, before: str | None, grade: str, kind: ScoreKind
) -> CreditGradeChanged:
    """The `credit.grade_changed` event of a move from `before` to `grade`."""
    return CreditGradeChanged(
        credit_code=credit_code,
        from_grade=Grade(before) if before else None,
        to_grade=Grade(grade),
        kind=kind,
        changed_at=datetime.now(UTC),
    )


def announce_grade(uow: UnitOfWork, entity: CreditEntity, *, emit: bool = True) -> None:
    """Emit `credit.grade_changed` when the grade supervision acts on has changed."""
    grade, kind = effective_grade(entity)
    if grade is None or kind is None or grade == entity.effective_grade:
        return
    before = entity.effective_grade
    entity.effective_grade = grade
    if emit:
        uow.emit(grade_changed(entity.credit_code, before, grade, kind))
