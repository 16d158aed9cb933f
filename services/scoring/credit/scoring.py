"""Recomputing an entity's provisional score and telling the others when it moved."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select

from libs.common.db import UnitOfWork
from libs.common.events.catalogue.scoring import (
    CreditGradeChanged,
    CreditScoreChanged,
    Grade,
    ScoreKind,
)
from services.scoring.credit.models import CreditEntity, CreditItemRow, CreditScoreHistory
from services.scoring.domain.credit_rules import CreditDimension, CreditItemKind, CreditRules
from services.scoring.domain.explanation import ExplanationLine
from services.scoring.domain.provisional_score import CreditItem, compute_provisional_score
from services.scoring.policy import load_credit_rules


@lru_cache(maxsize=1)
def credit_rules() -> CreditRules:
    """The credit rules in force (the versioned policy file)."""
    return load_credit_rules()


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


async def recompute(
    uow: UnitOfWork, entity: CreditEntity, at: datetime, cause: str | None, *, emit: bool = True
) -> None:
    """Recompute the provisional score as of the latest input seen; record and announce it."""
    as_of = max(at, entity.score_as_of) if entity.score_as_of else at
    entity.score_as_of = as_of
    if entity.basic is None:
        return
    items = (
        await uow.session.scalars(
            select(CreditItemRow).where(
                CreditItemRow.credit_code == entity.credit_code,
                CreditItemRow.withdrawn.is_(False),
            )
        )
    ).all()
    basic = {CreditDimension(k): Decimal(v) for k, v in entity.basic.items()}
    domain_items = [
        CreditItem(CreditItemKind(i.kind), i.occurred_at, i.source_event_id) for i in items
    ]
    result = compute_provisional_score(basic, domain_items, credit_rules(), as_of)
    previous = entity.provisional_score
    explanation = explanation_json(result.explanation)
    if previous == result.score and entity.explanation == explanation:
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


def announce_grade(uow: UnitOfWork, entity: CreditEntity, *, emit: bool = True) -> None:
    """Emit `credit.grade_changed` when the grade supervision acts on has changed."""
    grade, kind = effective_grade(entity)
    if grade is None or kind is None or grade == entity.effective_grade:
        return
    before = entity.effective_grade
    entity.effective_grade = grade
    if emit:
        uow.emit(
            CreditGradeChanged(
                credit_code=entity.credit_code,
                from_grade=Grade(before) if before else None,
                to_grade=Grade(grade),
                kind=kind,
                changed_at=datetime.now(UTC),
            )
        )
