"""Objections (异议) and credit-repair (信用修复) requests and their outcomes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update

from libs.common.auth import Principal, ensure_role
from libs.common.db import UnitOfWork
from libs.common.errors import Conflict, NotFound, RuleViolation
from services.scoring import roles
from services.scoring.credit import scoring
from services.scoring.credit.models import CreditItemRow, CreditRequest
from services.scoring.credit.schemas import (
    CreditRequestCreate,
    CreditRequestDecision,
    CreditRequestRead,
    RequestStatus,
)
from services.scoring.credit.service import ensure_entity_covered, load_entity
from services.scoring.domain.credit_requests import (
    NotADecision,
    RequestAlreadyDecided,
    decision_outcome,
)


async def submit(
    uow: UnitOfWork, user: Principal, credit_code: str, body: CreditRequestCreate
) -> CreditRequestRead:
    """Record an objection or repair request against the entity's items."""
    ensure_role(user, *roles.REQUESTERS)
    await load_entity(uow, user, credit_code)
    known = set(
        await uow.session.scalars(
            select(CreditItemRow.id).where(
                CreditItemRow.credit_code == credit_code, CreditItemRow.id.in_(body.item_ids)
            )
        )
    )
    if unknown := set(body.item_ids) - known:
        raise RuleViolation(f"Items {sorted(unknown)} are not on this entity's record.")
    request = CreditRequest(
        id=uuid.uuid4(),
        credit_code=credit_code,
        kind=body.kind.value,
        reason=body.reason,
        item_ids=list(body.item_ids),
        status=RequestStatus.PENDING.value,
        submitted_by=user.subject,
    )
    uow.session.add(request)
    await uow.commit()
    return CreditRequestRead.model_validate(request)


async def decide(
    uow: UnitOfWork, user: Principal, request_id: uuid.UUID, body: CreditRequestDecision
) -> CreditRequestRead:
    """Accept or reject a request; accepting withdraws its items and rescores the entity."""
    ensure_role(user, *roles.DECIDERS)
    request = await uow.session.get(CreditRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"No credit request {request_id}.")
    entity = await load_entity(uow, user, request.credit_code, lock=True)
    try:
        status = decision_outcome(request_id, RequestStatus(request.status), body.status)
    except RequestAlreadyDecided as exc:
        raise Conflict(exc.detail) from exc
    except NotADecision as exc:
        raise RuleViolation(exc.detail, field="status") from exc
    now = datetime.now(UTC)
    request.status, request.outcome = status.value, body.outcome
    request.decided_by, request.decided_at = user.subject, now
    if status is RequestStatus.ACCEPTED and request.item_ids:
        await uow.session.execute(
            update(CreditItemRow)
            .where(CreditItemRow.id.in_(request.item_ids))
            .values(withdrawn=True)
        )
        await scoring.recompute(uow, entity, entity.score_as_of or now, f"request:{request_id}")
        scoring.announce_grade(uow, entity)
    await uow.commit()
    return CreditRequestRead.model_validate(request)


async def list_requests(
    uow: UnitOfWork, user: Principal, credit_code: str
) -> list[CreditRequestRead]:
    """The entity's requests, newest first."""
    ensure_role(user, *roles.READERS, *roles.REQUESTERS)
    entity = await load_entity(uow, user, credit_code)
    ensure_entity_covered(user, entity)
    rows = await uow.session.scalars(
        select(CreditRequest)
        .where(CreditRequest.credit_code == credit_code)
        .order_by(CreditRequest.submitted_at.desc())
    )
    return [CreditRequestRead.model_validate(row) for row in rows]
