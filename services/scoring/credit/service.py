"""Credit use cases: basic information and official grades from the platform, reads."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from libs.common.access import credit_code_of
from libs.common.auth import Principal, ensure_covers, ensure_role
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, Forbidden, NotFound
from libs.common.events.catalogue.scoring import CreditScoreChanged, Grade, ScoreKind
from services.scoring import roles
from services.scoring.credit import policies, scoring
from services.scoring.credit.models import CreditEntity, CreditItemRow, CreditScoreHistory
from services.scoring.credit.schemas import (
    BasicInfoCreate,
    CreditItemRead,
    CreditRead,
    ExplanationLineRead,
    HistoryRead,
    OfficialGradeCreate,
    OfficialRead,
    ProvisionalRead,
    SupervisionRead,
)
from services.scoring.domain.credit import CreditGrade
from services.scoring.domain.credit_rules import CreditRules
from services.scoring.domain.supervision import cadence_override, sampling_ratio


async def load_entity(
    uow: UnitOfWork, user: Principal, credit_code: str, *, lock: bool = False
) -> CreditEntity:
    """The entity, if the caller may see it; 404 when unknown, 403 outside the jurisdiction."""
    entity = await uow.session.get(CreditEntity, credit_code, with_for_update=lock)
    if entity is None:
        raise NotFound(f"No credit record for entity {credit_code}.")
    ensure_entity_covered(user, entity)
    return entity


def ensure_entity_covered(user: Principal, entity: CreditEntity) -> None:
    """Raise Forbidden unless the entity's unit is in the caller's jurisdiction (an
    enterprise user is bound to its own credit code instead)."""
    if credit_code_of(user) == entity.credit_code:
        return
    if entity.unit_code is None:
        raise Forbidden(f"Entity {entity.credit_code} has no known unit yet.")
    ensure_covers(user, entity.unit_code)


async def post_basic_info(
    uow: UnitOfWork, user: Principal, credit_code: str, body: BasicInfoCreate
) -> CreditRead:
    """Store the platform's basic credit information and rescore the entity."""
    ensure_role(user, *roles.PLATFORM_POSTERS)
    ensure_covers(user, body.unit_code)
    entity = await uow.session.get(CreditEntity, credit_code, with_for_update=True)
    if entity is None:
        entity = CreditEntity(credit_code=credit_code)
        uow.session.add(entity)
    elif entity.unit_code is not None:
        ensure_covers(user, entity.unit_code)
    now = datetime.now(UTC)
    entity.unit_code, entity.name = body.unit_code, body.name or entity.name
    entity.basic = {k.value: str(v) for k, v in body.dimensions.items()}
    entity.basic_posted_at = now
    await scoring.recompute(uow, entity, now, "basic_info")
    scoring.announce_grade(uow, entity)
    await uow.commit()
    return read_model(entity, await policies.in_force(uow.session))


async def post_official_grade(
    uow: UnitOfWork, user: Principal, credit_code: str, body: OfficialGradeCreate
) -> CreditRead:
    """Record the platform's official annual grade: from now on it is what supervision uses.

    Grades are keyed by assessment year and the latest year wins, whatever the posting
    order: a grade for an older year than the one on record is refused (409, `year`) and
    changes nothing; the same year posted again is a correction and replaces it."""
    ensure_role(user, *roles.PLATFORM_POSTERS)
    entity = await load_entity(uow, user, credit_code, lock=True)
    if entity.official_year is not None and body.year < entity.official_year:
        raise Conflict(
            f"The official grade of {entity.official_year} is on record; a grade for the "
            f"older year {body.year} cannot replace it.",
            field="year",
            official_year=entity.official_year,
        )
    now = datetime.now(UTC)
    previous = entity.official_score
    entity.official_year, entity.official_grade = body.year, body.grade.value
    entity.official_score, entity.official_posted_at = body.score, now
    version = f"official.{body.year}"
    uow.session.add(
        CreditScoreHistory(
            credit_code=credit_code,
            kind=ScoreKind.OFFICIAL.value,
            score=body.score,
            grade=body.grade.value,
            policy_version=version,
            explanation=[],
            cause="official_posting",
        )
    )
    if body.score is not None and body.score != previous:
        uow.emit(
            CreditScoreChanged(
                credit_code=credit_code,
                score=body.score,
                previous_score=previous,
                grade=body.grade,
                kind=ScoreKind.OFFICIAL,
                policy_version=version,
                changed_at=now,
            )
        )
    scoring.announce_grade(uow, entity)
    await uow.commit()
    return read_model(entity, await policies.in_force(uow.session))


async def get_credit(uow: UnitOfWork, user: Principal, credit_code: str) -> CreditRead:
    """An entity's credit as supervision sees it, with both kinds and the explanation."""
    ensure_role(user, *roles.READERS, *roles.REQUESTERS)
    entity = await load_entity(uow, user, credit_code)
    return read_model(entity, await policies.in_force(uow.session))


async def history(uow: UnitOfWork, user: Principal, credit_code: str) -> list[HistoryRead]:
    """Every score the entity has had, newest first."""
    ensure_role(user, *roles.READERS, *roles.REQUESTERS)
    await load_entity(uow, user, credit_code)
    rows = await uow.session.scalars(
        select(CreditScoreHistory)
        .where(CreditScoreHistory.credit_code == credit_code)
        .order_by(CreditScoreHistory.id.desc())
    )
    return [HistoryRead.model_validate(row) for row in rows]


async def items(uow: UnitOfWork, user: Principal, credit_code: str) -> list[CreditItemRead]:
    """The additional items on record, each with its source event (for sharing upward)."""
    ensure_role(user, *roles.READERS, *roles.REQUESTERS)
    await load_entity(uow, user, credit_code)
    rows = await uow.session.scalars(
        select(CreditItemRow)
        .where(CreditItemRow.credit_code == credit_code)
        .order_by(CreditItemRow.occurred_at, CreditItemRow.id)
    )
    return [CreditItemRead.model_validate(row) for row in rows]


def read_model(entity: CreditEntity, rules: CreditRules) -> CreditRead:
    """The read model of an entity: which kind is shown, and both kinds in full."""
    grade, kind = scoring.effective_grade(entity)
    official = provisional = None
    if entity.official_grade is not None and entity.official_posted_at is not None:
        official = OfficialRead(
            year=entity.official_year or 0,
            grade=Grade(entity.official_grade),
            score=entity.official_score,
            posted_at=entity.official_posted_at,
        )
    if entity.provisional_score is not None and entity.score_as_of is not None:
        provisional = ProvisionalRead(
            score=entity.provisional_score,
            grade=Grade(entity.provisional_grade or "bad"),
            policy_version=entity.policy_version or "",
            as_of=entity.score_as_of,
            explanation=[ExplanationLineRead(**line) for line in entity.explanation or []],
        )
    shown_score = official.score if official else provisional.score if provisional else None
    return CreditRead(
        credit_code=entity.credit_code,
        unit_code=entity.unit_code,
        name=entity.name,
        shown=kind,
        grade=Grade(grade) if grade else None,
        score=shown_score,
        official=official,
        provisional=provisional,
        supervision=_supervision(grade, rules),
        basic={k: Decimal(v) for k, v in entity.basic.items()} if entity.basic else None,
    )


def _supervision(grade: str | None, rules: CreditRules) -> SupervisionRead | None:
    if grade is None:
        return None
    policy = rules.supervision
    override = cadence_override(CreditGrade(grade), policy)
    return SupervisionRead(
        sampling_ratio_per_quarter=sampling_ratio(CreditGrade(grade), policy),
        cadence_override=override.value if override else None,
    )
