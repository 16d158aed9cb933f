"""The one idempotent ledger every channel (webhook, topic, file) posts into.

`post` takes a batch of notices (one for a webhook call or a topic event, thousands for a
chunk of a bank file) and decides each line's outcome with a handful of queries for the
whole batch: identity is partner + transaction number, so a line already in the ledger is
a `duplicate`, unless it brings the deposit date its entry lacked (`deposited`); a
payment that matches no enrollment waits in `suspense`; a reversal is a compensating
entry. The caller's use case commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select

from libs.common.db import UnitOfWork, among, insert_new, table_of
from libs.common.events.catalogue.enrollment import EnrollmentStatusChanged
from libs.common.events.envelope import Event
from libs.common.pii import PiiVault
from services.enrollment.domain.ledger import future_refusal, payment_refusal, suspense_reason
from services.enrollment.domain.ledger_records import EnrollmentTarget, LedgerEntry, Source
from services.enrollment.enrollments import settlement
from services.enrollment.enrollments.models import Enrollment
from services.enrollment.identity import enrollment_id_of
from services.enrollment.payments import entries, reversals
from services.enrollment.payments.models import Payment
from services.enrollment.payments.notices import Notice, Outcome
from services.enrollment.schemes import service as schemes
from services.enrollment.targets import tally
from services.enrollment.units import service as units

L, E = table_of(Payment), table_of(Enrollment)
_REPEATS = {"already_recorded", "repeated_in_delivery"}


async def post(
    uow: UnitOfWork, source: Source, vault: PiiVault, every: Sequence[Notice], now: datetime
) -> list[Outcome]:
    """Post a batch of notices received at `now`; return one outcome per notice, in order."""
    outcomes: dict[int, Outcome] = {}
    notices = _dated_by_now(every, now, outcomes)
    fresh = await _new_lines(uow, source.partner_id, notices, outcomes)
    rows = await _payment_rows(
        uow, source, vault, [n for n in fresh if not n.original_txn], outcomes
    )
    posted = await insert_rows(uow, rows, outcomes, "recorded")
    rev_rows = await reversals.rows(
        uow, source, [n for n in fresh if n.original_txn], outcomes, now
    )
    rev_posted = await insert_rows(uow, rev_rows, outcomes, "reversed")
    # After the inserts: a payment another delivery recorded meanwhile, or an earlier line
    # of this one, is in the ledger now, and its repeat may bring its deposit.
    deposited = await _deposits(uow, source.partner_id, notices, outcomes)
    await settle_and_announce(uow, source.actor, now, posted, rev_posted, deposited)
    return _repeats_point_at_their_first([outcomes[n.line_no] for n in every])


def _dated_by_now(
    notices: Sequence[Notice], now: datetime, outcomes: dict[int, Outcome]
) -> list[Notice]:
    """The notices not dated in the future; the others are `rejected`, with their reason."""
    kept = []
    for n in notices:
        problem = future_refusal(n, now)
        if problem is None:
            kept.append(n)
        else:
            outcomes[n.line_no] = Outcome(n.line_no, n.txn, "rejected", *problem)
    return kept


def _repeats_point_at_their_first(outcomes: list[Outcome]) -> list[Outcome]:
    """A number repeated in one delivery names the entry its first line made."""
    first: dict[str | None, uuid.UUID | None] = {}
    for o in outcomes:
        first.setdefault(o.txn, o.payment_id)
    return [
        replace(o, payment_id=first[o.txn]) if o.reason_code == "repeated_in_delivery" else o
        for o in outcomes
    ]


async def settle_and_announce(
    uow: UnitOfWork,
    actor: str,
    now: datetime,
    posted: list[LedgerEntry],
    reversed_rows: list[LedgerEntry],
    deposited: Sequence[LedgerEntry] = (),
) -> None:
    """Re-settle the touched enrollments and emit payment, status and progress events."""
    lines = [*posted, *reversed_rows, *deposited]
    touched = {
        r.enrollment_id for r in lines if r.status == "posted" and r.enrollment_id is not None
    }
    changes: list[Event] = []
    shifts = tally.Shifts()
    await settlement.resettle(uow, touched, actor, now, changes, shifts)
    undeposited = await _undeposited(uow, {r.reverses_id for r in reversed_rows})
    events: list[Event] = _payment_events(posted, reversed_rows, deposited, changes, undeposited)
    events += changes
    await tally.apply(uow, shifts, events)
    await uow.emit_all(events)


async def _undeposited(uow: UnitOfWork, ids: set[uuid.UUID | None]) -> set[uuid.UUID]:
    """Which of the reversed payments never had their money deposited."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    found = await uow.session.scalars(
        select(L.c.id).where(among(L.c.id, wanted), L.c.deposited_at.is_(None))
    )
    return set(found)


def _payment_events(
    posted: list[LedgerEntry],
    reversed_rows: list[LedgerEntry],
    deposited: Sequence[LedgerEntry],
    changes: list[Event],
    undeposited: set[uuid.UUID],
) -> list[Event]:
    """The events of the batch's entries. A person's move into `paid` is told by exactly
    one of them (`completes_person`), the first payment recorded or deposit confirmed for
    them; a move out of `paid` by one reversal (`reopens_person`). So a consumer counting
    persons from these events counts each once, however the batch's entries combine."""
    moves = [e for e in changes if isinstance(e, EnrollmentStatusChanged)]
    into_paid = {e.enrollment_id for e in moves if e.to_state == "paid"}
    out_of_paid = {e.enrollment_id for e in moves if e.from_state == "paid"}

    def claim(moved: set[uuid.UUID], enrollment_id: uuid.UUID | None) -> bool:
        if enrollment_id not in moved:
            return False
        moved.discard(enrollment_id)
        return True

    events: list[Event] = [
        entries.recorded_event(r, claim(into_paid, r.enrollment_id))
        for r in posted
        if r.status == "posted"
    ]
    events += [
        entries.reversed_event(
            r, claim(out_of_paid, r.enrollment_id), r.reverses_id not in undeposited
        )
        for r in reversed_rows
        if r.enrollment_id is not None
    ]
    events += [
        entries.deposited_event(r, claim(into_paid, r.enrollment_id))
        for r in deposited
        if r.status == "posted"
    ]
    return events


async def _new_lines(
    uow: UnitOfWork, partner_id: str, notices: Sequence[Notice], outcomes: dict[int, Outcome]
) -> list[Notice]:
    seen: set[str] = set()
    fresh: list[Notice] = []
    for n in notices:
        if n.txn in seen:
            outcomes[n.line_no] = Outcome(
                n.line_no, n.txn, "duplicate", "repeated_in_delivery", "same number earlier"
            )
        else:
            seen.add(n.txn)
            fresh.append(n)
    known = await entries.known(uow.session, partner_id, [n.txn for n in fresh])
    for n in fresh:
        if n.txn in known:
            outcomes[n.line_no] = Outcome(
                n.line_no, n.txn, "duplicate", "already_recorded", known[n.txn][1], known[n.txn][0]
            )
    return [n for n in fresh if n.line_no not in outcomes]


async def _deposits(
    uow: UnitOfWork, partner_id: str, notices: Sequence[Notice], outcomes: dict[int, Outcome]
) -> list[LedgerEntry]:
    """Payments recorded before without a deposit date (by another delivery, or by an
    earlier line of this one), delivered again with one: the date is recorded
    (`entries.record_deposits`) and the line is `deposited`."""
    repeats = [
        n
        for n in notices
        if n.deposited_at is not None
        and n.original_txn is None
        and outcomes[n.line_no].reason_code in _REPEATS
    ]
    first: dict[str, Notice] = {}  # one line per number confirms: its first
    for n in repeats:
        first.setdefault(n.txn, n)
    confirmed = await entries.record_deposits(uow.session, partner_id, list(first.values()))
    for n in first.values():
        if n.txn in confirmed:
            entry_id = confirmed[n.txn].id
            outcomes[n.line_no] = Outcome(n.line_no, n.txn, "deposited", None, None, entry_id)
    return list(confirmed.values())


async def _payment_rows(
    uow: UnitOfWork,
    source: Source,
    vault: PiiVault,
    notices: list[Notice],
    outcomes: dict[int, Outcome],
) -> list[LedgerEntry]:
    session = uow.session
    policies = await schemes.policies_for(
        session, {schemes.policy_key(n.unit_code, n.scheme_code, n.year) for n in notices}
    )
    known_units = await units.known_units(session, {n.unit_code for n in notices})
    valid: list[tuple[Notice, str | None, uuid.UUID]] = []
    for n in notices:
        problem = payment_refusal(
            n, policies.get(schemes.policy_key(n.unit_code, n.scheme_code, n.year)), known_units
        )
        if problem is not None:
            outcomes[n.line_no] = Outcome(n.line_no, n.txn, "rejected", *problem)
            continue
        key = vault.keyed_hash(n.resident_id) if n.resident_id else None
        ref = n.enrollment_ref or enrollment_id_of(key or "", n.scheme_code, n.year)
        valid.append((n, key, ref))
    found = await _enrollments(uow, {ref for _, _, ref in valid})
    rows = []
    for n, key, ref in valid:
        enrollment = found.get(ref)
        why = suspense_reason(n.scheme_code, n.year, enrollment)
        rows.append(entries.payment_row(source, vault, n, key, enrollment, why))
    return rows


async def _enrollments(uow: UnitOfWork, ids: set[uuid.UUID]) -> dict[uuid.UUID, EnrollmentTarget]:
    if not ids:
        return {}
    rows = await uow.session.execute(
        select(E.c.id, E.c.state, E.c.unit_code, E.c.person_key, E.c.scheme_code, E.c.year).where(
            among(E.c.id, ids)
        )
    )
    return {r.id: EnrollmentTarget(**r._mapping) for r in rows}


async def insert_rows(
    uow: UnitOfWork,
    rows: list[LedgerEntry],
    outcomes: dict[int, Outcome],
    ok: Literal["recorded", "reversed"],
) -> list[LedgerEntry]:
    """Insert ledger rows; a row another delivery inserted meanwhile becomes a duplicate."""
    if not rows:
        return []
    inserted = await insert_new(uow.session, L, [r.columns() for r in rows])
    # The insert waited for the delivery that won the race to commit: its rows are visible now.
    raced = [r.partner_txn_id for r in rows if r.id not in inserted]
    winners = await entries.known(uow.session, rows[0].partner_id, raced)
    kept = []
    for r in rows:
        line, txn = r.line_no, r.partner_txn_id
        assert line is not None, "only entries made from a delivery's lines are inserted"
        if r.id not in inserted:
            entry_id, how = winners[txn]
            outcomes[line] = Outcome(line, txn, "duplicate", "already_recorded", how, entry_id)
            continue
        kept.append(r)
        if r.status == "suspense":
            outcomes[line] = Outcome(line, txn, "suspense", r.note, None, r.id)
        else:
            outcomes[line] = Outcome(line, txn, ok, None, None, r.id)
    return kept
