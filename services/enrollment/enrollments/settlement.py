"""Re-settle enrollments after ledger entries: amounts, completion, counting, state.

Runs in bulk (one query per table for a whole chunk of payments) and applies the domain's
`settle` to each enrollment: partial payments leave the person registered, overpayments
are recorded for refund, late payments pay the policy's outside-window premium, and only
money deposited completes a person.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update

from libs.common.db import UnitOfWork, among, bulk_insert, table_of
from libs.common.events.envelope import Event
from services.enrollment.domain.facts import PersonFacts
from services.enrollment.domain.lifecycle import (
    MOVE_REASONS,
    moves_after_settlement,
    transition,
)
from services.enrollment.domain.lifecycle import EnrollmentState as S
from services.enrollment.domain.payments import Payment as Entry
from services.enrollment.domain.payments import SettlementStatus, settle
from services.enrollment.domain.premiums import quote_premium
from services.enrollment.domain.resettlement import is_complete, window_closed
from services.enrollment.enrollments import audit
from services.enrollment.enrollments.models import Enrollment, EnrollmentTransition
from services.enrollment.payments.models import Payment
from services.enrollment.persons import service as persons
from services.enrollment.persons.models import Person
from services.enrollment.schemes import service as schemes
from services.enrollment.targets import tally

E, P, L = table_of(Enrollment), table_of(Person), table_of(Payment)


@dataclass(frozen=True)
class Settled:
    """An enrollment after re-settlement."""

    id: uuid.UUID
    person_key: str
    unit_code: str
    scheme_code: str
    year: int
    state: str
    complete: bool


async def resettle(
    uow: UnitOfWork,
    ids: set[uuid.UUID],
    actor: str,
    now: datetime,
    events: list[Event],
    shifts: tally.Shifts,
) -> dict[uuid.UUID, Settled]:
    """Settle the enrollments `ids` against their posted ledger entries.

    Appends the lifecycle events and records each enrollment's move in `shifts`.
    """
    if not ids:
        return {}
    session = uow.session
    rows = (
        await session.execute(
            select(E).where(among(E.c.id, ids)).order_by(E.c.id).with_for_update()
        )
    ).all()
    facts = await _facts(uow, {r.person_id for r in rows})
    entries = await _entries(uow, ids)
    policies = await schemes.policies_for(
        session, {schemes.policy_key(r.unit_code, r.scheme_code, r.year) for r in rows}
    )
    updates: list[dict[str, Any]] = []
    trails: list[dict[str, Any]] = []
    out: dict[uuid.UUID, Settled] = {}
    for row in rows:
        policy = policies[schemes.policy_key(row.unit_code, row.scheme_code, row.year)]
        result = settle(policy, facts[row.person_id], entries[row.id], now, row.tier)
        complete = is_complete(result, entries[row.id])
        closed = window_closed(policy, entries[row.id], now)
        state = _next_state(S(row.state), complete, closed, now, row, actor, trails, events)
        shifts.move(
            row.scheme_code,
            row.year,
            row.unit_code,
            tally.standing(row.state, row.counted, row.deposited),
            tally.standing(state.value, result.counts_toward_target, result.deposited_in_time),
        )
        updates.append(
            {
                "b_id": row.id,
                "b_state": state.value,
                "b_due": result.due,
                "b_paid": result.paid,
                "b_deposited": result.deposited_in_time,
                "b_overpayment": result.overpayment,
                "b_settlement": result.status.value,
                "b_counted": result.counts_toward_target,
                "b_subsidy_category": result.quote.category,
                "b_benefits_from": result.quote.benefits_start
                if result.status is SettlementStatus.COMPLETE
                else None,
                "b_at": now,
            }
        )
        out[row.id] = Settled(
            row.id,
            row.person_key,
            row.unit_code,
            row.scheme_code,
            row.year,
            state.value,
            complete,
        )
    await _write(uow, updates, trails)
    return out


async def resettle_person(uow: UnitOfWork, person_id: uuid.UUID, actor: str, now: datetime) -> None:
    """Settle again every live enrollment of a person whose facts changed: one with
    payments is settled as a payment would (its moves audited and announced, its unit's
    progress moved); one without is quoted again as at enrollment (due, tier, category)."""
    live = (
        await uow.session.execute(
            select(E.c.id, E.c.unit_code, E.c.scheme_code, E.c.year, E.c.tier).where(
                E.c.person_id == person_id,
                E.c.state.notin_([*tally.EXCLUDED_STATES, "prospect"]),
            )
        )
    ).all()
    if not live:
        return
    paying = set(
        await uow.session.scalars(
            select(L.c.enrollment_id)
            .where(among(L.c.enrollment_id, {r.id for r in live}), L.c.status == "posted")
            .distinct()
        )
    )
    events: list[Event] = []
    shifts = tally.Shifts()
    await resettle(uow, paying, actor, now, events, shifts)
    await tally.apply(uow, shifts, events)
    await uow.emit_all(events)
    await _requote(uow, person_id, [r for r in live if r.id not in paying], now)


async def _requote(uow: UnitOfWork, person_id: uuid.UUID, rows: list[Any], now: datetime) -> None:
    if not rows:
        return
    [facts] = (await _facts(uow, {person_id})).values()
    policies = await schemes.policies_for(
        uow.session, {schemes.policy_key(r.unit_code, r.scheme_code, r.year) for r in rows}
    )
    for row in rows:
        policy = policies[schemes.policy_key(row.unit_code, row.scheme_code, row.year)]
        quote = quote_premium(policy, facts, now, row.tier)
        await uow.session.execute(
            update(E)
            .where(E.c.id == row.id)
            .values(
                tier=quote.tier,
                subsidy_category=quote.category,
                due=quote.individual.amount,
                updated_at=now,
            )
        )


def _next_state(
    state: S,
    complete: bool,
    window_closed: bool,
    at: datetime,
    row: Any,
    actor: str,
    trails: list[dict[str, Any]],
    events: list[Event],
) -> S:
    """Apply the lifecycle moves of the new balance, each audited and emitted."""
    for action in moves_after_settlement(state, complete, window_closed):
        after, reason = transition(state, action), MOVE_REASONS[action]
        trails.append(audit.trail(row.id, action, state.value, after.value, actor, reason, at))
        events.append(
            audit.changed(
                row.id,
                row.person_key,
                row.unit_code,
                row.scheme_code,
                row.year,
                state.value,
                after.value,
                reason,
                at,
            )
        )
        state = after
    return state


async def _facts(uow: UnitOfWork, person_ids: set[uuid.UUID]) -> dict[uuid.UUID, PersonFacts]:
    rows = await uow.session.execute(
        select(P.c.id, *(P.c[name] for name in persons.FACT_COLUMNS)).where(
            among(P.c.id, person_ids)
        )
    )
    return {r.id: persons.facts_of(r) for r in rows}


async def _entries(uow: UnitOfWork, ids: set[uuid.UUID]) -> defaultdict[uuid.UUID, list[Entry]]:
    # Only the enrollment is in the WHERE clause: with `status` there too, a planner whose
    # statistics lag behind a fast-growing ledger scans every posted payment instead.
    rows = await uow.session.execute(
        select(
            L.c.id,
            L.c.enrollment_id,
            L.c.status,
            L.c.amount,
            L.c.paid_at,
            L.c.deposited_at,
            L.c.reverses_id,
        ).where(among(L.c.enrollment_id, ids))
    )
    entries: defaultdict[uuid.UUID, list[Entry]] = defaultdict(list)
    for r in rows:
        if r.status != "posted":
            continue
        reverses = str(r.reverses_id) if r.reverses_id else None
        entries[r.enrollment_id].append(
            Entry(str(r.id), r.amount, r.paid_at, r.deposited_at, reverses)
        )
    return entries


_SETTLED = text(
    """
    UPDATE enrollment AS e
    SET state = v.state, due = v.due, paid = v.paid, deposited = v.deposited,
        overpayment = v.overpayment, settlement = v.settlement, counted = v.counted,
        subsidy_category = v.subsidy_category, benefits_from = v.benefits_from,
        updated_at = v.at
    FROM unnest(
        CAST(:id AS uuid[]), CAST(:state AS text[]), CAST(:due AS numeric[]),
        CAST(:paid AS numeric[]), CAST(:deposited AS numeric[]),
        CAST(:overpayment AS numeric[]), CAST(:settlement AS text[]),
        CAST(:counted AS boolean[]), CAST(:subsidy_category AS text[]),
        CAST(:benefits_from AS date[]), CAST(:at AS timestamptz[])
    ) AS v(
        id, state, due, paid, deposited, overpayment, settlement, counted, subsidy_category,
        benefits_from, at
    )
    WHERE e.id = v.id
    """
)
"""Every settled enrollment in one statement: its values travel as one array per column."""


async def _write(
    uow: UnitOfWork, updates: list[dict[str, Any]], trails: list[dict[str, Any]]
) -> None:
    if updates:
        columns = {name: [u[f"b_{name}"] for u in updates] for name in _UPDATED}
        await uow.session.execute(_SETTLED, columns)
    if trails:
        await bulk_insert(uow.session, table_of(EnrollmentTransition), trails)


_UPDATED = (
    "id",
    "state",
    "due",
    "paid",
    "deposited",
    "overpayment",
    "settlement",
    "counted",
    "subsidy_category",
    "benefits_from",
    "at",
)
